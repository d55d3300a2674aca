# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Servers of the client's tests that misbehave below HTTP."""

import socket
import threading

import pytest


@pytest.fixture
def raw_server():
    """raw_server(answer) -> port: a TCP listener on loopback that reads each connection's request, then hands the
    connection to answer(connection, stop) (``stop``: set when the test ends); every listener closes after the test."""
    started = []

    def start(answer):
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        stop = threading.Event()

        def serve():
            while not stop.is_set():
                try:
                    conn, dummy = listener.accept()
                except OSError:
                    return
                with conn:
                    conn.recv(65536)
                    answer(conn, stop)

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        started.append((listener, stop, thread))
        return listener.getsockname()[1]

    yield start
    for listener, stop, thread in started:
        stop.set()
        listener.close()
        thread.join(5)
