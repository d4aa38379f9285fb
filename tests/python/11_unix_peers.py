"""Lesson 11's real peers: an AF_UNIX echo client and server, written the way the articles write
their TCP ones, with socket.AF_UNIX in place of AF_INET and a path in place of (host, port).

    python3 11_unix_peers.py client PATH LINE...   send each line, print each reply line
    python3 11_unix_peers.py server PATH           one client: echo it upper-cased, then exit
"""
import os
import socket
import sys


def client(path, lines):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    replies = sock.makefile("rb")  # reads up to each newline, however the bytes arrive
    for line in lines:
        sock.sendall(line.encode("utf-8") + b"\n")
        print("recv:", replies.readline().decode("utf-8").rstrip("\n"), flush=True)
    sock.close()


def server(path):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(path)
    os.chmod(path, 0o600)
    sock.listen()
    print("listening on", path, flush=True)
    conn, address = sock.accept()
    print("connected from %r" % (address,), flush=True)  # '': a local client has no address
    received = b""
    while True:
        data = conn.recv(1024)
        if not data:
            break
        received += data
        conn.sendall(data.upper())
    conn.close()
    sock.close()
    os.unlink(path)
    print("received:", received.decode("utf-8").replace("\n", "|"), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "client":
        client(sys.argv[2], sys.argv[3:])
    else:
        server(sys.argv[2])
