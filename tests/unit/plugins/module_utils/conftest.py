# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Servers of the client's tests that misbehave below HTTP, and a self-signed certificate for TLS servers."""

import datetime
import ipaddress
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


@pytest.fixture(scope="session")
def self_signed(tmp_path_factory):
    """self_signed(name) -> (certificate file, key file): a self-signed certificate for 127.0.0.1, made once per name."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder = tmp_path_factory.mktemp("tls")
    made = {}

    def certificate(name):
        if name not in made:
            key = ec.generate_private_key(ec.SECP256R1())
            subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
            now = datetime.datetime.now(datetime.timezone.utc)
            cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
                    .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
                    .not_valid_after(now + datetime.timedelta(days=1))
                    .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
                    .sign(key, hashes.SHA256()))
            cert_file, key_file = folder / (name + ".pem"), folder / (name + ".key")
            cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
            key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                   serialization.NoEncryption()))
            made[name] = (str(cert_file), str(key_file))
        return made[name]

    return certificate
