"""Python peers that make the same socket calls, in the same order, as the articles' programs.

The interop tests run them against the TypeScript lessons, in both directions, to prove the
lessons speak the articles' wire protocol. Each peer is the article program reduced to its
socket calls, pointed at 127.0.0.1 and a port from the command line (port 0 for servers: the
real port is printed as a readiness line, as the lessons do).

usage: python3 article_peers.py PEER PORT [ARGS...]
"""
import socket
import sys


def ready(sock, kind="listening on"):
    host, port = sock.getsockname()[:2]
    print(f"{kind} {host}:{port}", flush=True)


def udp_send(port, text="hahaha"):  # 000: udp使用socket发送数据
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.sendto(text.encode("utf-8"), ("127.0.0.1", port))
    sock.close()


def udp_send_loop(port, *lines):  # 000: udp使用socket发送数据 (循环发送并可以退出); lines from argv
    udp_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for send_data in lines:
        if send_data == "exit":
            break
        udp_socket.sendto(send_data.encode("utf-8"), ("127.0.0.1", port))
    udp_socket.close()


def udp_send_bound(port, local_port, *lines):  # 000: udp发送消息时自己绑定端口示例
    udp_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp_socket.bind(("127.0.0.1", int(local_port)))  # the article binds ('', 7890)
    for send_data in lines:
        if send_data == "exit":
            break
        udp_socket.sendto(send_data.encode("utf-8"), ("127.0.0.1", port))
    udp_socket.close()


def web_hello_server(port):  # 001: 四、web服务的应用 (one request; the article loops for ever)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", port))
    sock.listen(5)
    ready(sock)
    connection, address = sock.accept()
    connection.recv(1024)
    # The article sends str, which Python 3 refuses (TypeError: a bytes-like object is required).
    connection.send("HTTP/1.1 200 OK\r\n\r\n".encode())
    connection.send("Hello, World".encode())
    connection.close()
    sock.close()


def udp_recv(port):  # 000: udp接收数据 (one datagram, then close)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", port))
    ready(sock, "bound to")
    data, addr = sock.recvfrom(1024)
    print("%s sent: %s" % (str(addr), data.decode("utf-8")), flush=True)
    sock.close()


def udp_duplex(port, dest_port, text="来自 Python"):  # 000: udp使用同一套接字收且发数据
    udp_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp_socket.bind(("127.0.0.1", port))  # the article binds ('192.168.13.1', 8080)
    ready(udp_socket, "bound to")
    udp_socket.sendto(text.encode("utf-8"), ("127.0.0.1", int(dest_port)))
    recv_data = udp_socket.recvfrom(1024)
    print(recv_data[0].decode("utf-8"), recv_data[1], flush=True)
    udp_socket.close()


def udp_echo_server(port):  # 003: 一、UDP 网络程序, server
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind(("127.0.0.1", port))
    ready(server, "bound to")
    data, addr = server.recvfrom(1024)
    print("Received message: '%s' from %s" % (data.decode("utf-8"), addr), flush=True)
    server.sendto("nice to meet you".encode("utf-8"), addr)
    server.close()


def udp_echo_client(port):  # 003: 一、UDP 网络程序, client
    client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    client.sendto(b"nice to meet you too", ("127.0.0.1", port))
    print("Local socket address:", client.getsockname()[1], flush=True)
    client.settimeout(5)
    try:
        data, addr = client.recvfrom(1024)
        print("Received message: '%s' from %s" % (data.decode("utf-8"), addr), flush=True)
    except socket.timeout:
        print("No response received within timeout.", flush=True)
    client.close()


def tcp_hello_server(port):  # 003: 二、TCP 网络程序, server (one client)
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", port))
    server.listen(128)
    ready(server)
    client, addr = server.accept()
    client.send("你好".encode("utf-8"))
    data = client.recv(1024)
    print("received:", data.decode("utf-8"), flush=True)
    client.close()
    server.close()


def tcp_hello_client(port):  # 003: 二、TCP 网络程序, client
    client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    client.connect(("127.0.0.1", port))
    data = client.recv(1024)
    print("received:", data.decode("utf-8"), flush=True)
    client.send("Hello".encode("utf-8"))
    client.close()


def tcp_ask_server(port):  # 004: 2.2 服务端开发步骤 (one client; the article loops for ever)
    server = socket.socket(family=socket.AF_INET, type=socket.SOCK_STREAM)
    server.bind(("127.0.0.1", port))
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.listen(128)
    ready(server)
    client_socket, address = server.accept()
    recv_data = client_socket.recv(1024)
    print(len(recv_data), flush=True)
    print("recv:", recv_data.decode("utf8"), flush=True)
    client_socket.send(f"已收到您({address})的请求,本次连接将关闭".encode("utf8"))
    client_socket.close()
    server.close()


def tcp_ask_client(port):  # 004: 2.1 客户端开发步骤
    client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    client.connect(("127.0.0.1", port))
    client.send("Hello Server".encode("utf8"))
    recv_data = client.recv(1024)
    print("recv:", recv_data.decode("utf8"), flush=True)
    client.close()


def echo_server(port):  # 001: 三、简单的socket, socket_server.py (one client)
    server = socket.socket()
    server.bind(("127.0.0.1", port))
    server.listen()
    ready(server)
    conn, addr = server.accept()
    while True:
        data = conn.recv(1024)
        if not data:  # the article omits this check and spins forever
            break
        print("recv", data, flush=True)
        conn.send(data.upper())
    server.close()


def echo_client(port, *lines):  # 001: 三、简单的socket, socket_client.py
    client = socket.socket()
    client.connect(("127.0.0.1", port))
    for mess in lines:
        mess = mess.strip()
        if mess == "q":
            break
        client.send(mess.encode())
        data = client.recv(1024)
        print("recv:", data.decode(), flush=True)
    client.close()


def tcp_send_client(port, text="你好"):  # 000: tcp客户端发送数据 (sends, closes, never reads)
    tcp_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # the article: af_inet
    tcp_socket.connect(("127.0.0.1", port))
    tcp_socket.send(text.encode("utf-8"))
    tcp_socket.close()


def hahahah_server_once(port):  # 000: 示例1 (one client; the article loops to accept())
    tcp_service_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp_service_socket.bind(("127.0.0.1", port))  # the article binds ('', 8080)
    tcp_service_socket.listen(128)
    ready(tcp_service_socket)
    new_client_socket, client_addr = tcp_service_socket.accept()
    print("链接的客户端地址为:", client_addr, flush=True)
    recv_data = new_client_socket.recvfrom(1024)
    print(recv_data, flush=True)
    new_client_socket.send("hahahah".encode("utf-8"))
    new_client_socket.close()
    tcp_service_socket.close()


def hahahah_server(port):  # 000: 示例2 (one client; the article loops to accept())
    tcp_service_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp_service_socket.bind(("127.0.0.1", port))
    tcp_service_socket.listen(128)
    ready(tcp_service_socket)
    new_client_socket, client_addr = tcp_service_socket.accept()
    print("链接的客户端地址为:", client_addr, flush=True)
    while 1:
        recv_data = new_client_socket.recvfrom(1024)
        print(recv_data, flush=True)
        if recv_data[0]:  # the article tests the tuple, always true, and dies on a closed client
            new_client_socket.send("hahahah".encode("utf-8"))
        else:
            break
    new_client_socket.close()
    tcp_service_socket.close()


def hello_echo_server(port):  # 002: 2-2-3-1 服务器通信示例
    server_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server_socket.bind(("127.0.0.1", port))  # the article binds ('localhost', 8888)
    server_socket.listen(1)
    ready(server_socket)  # the article prints 'Waiting for a connection...'
    connection, client_address = server_socket.accept()
    try:
        print(f"Connection from {client_address}", flush=True)
        while True:
            data = connection.recv(1024)
            print(f"Received: {data.decode()}", flush=True)
            if not data:
                break
            connection.sendall(data)
        message = "Hello, client!"
        connection.sendall(message.encode())
    finally:
        connection.close()


def hello_client_once(port):  # 002: 2-2-3-2 示例01
    client_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    client_socket.connect(("127.0.0.1", port))
    try:
        message = "Hello, server!"
        client_socket.sendall(message.encode())
        data = client_socket.recv(1024)
        print(f"Received from server: {data.decode()}", flush=True)
    finally:
        client_socket.close()


def hello_chat_client(port, *lines):  # 002: 2-2-3-2 示例02 (typed lines from argv)
    typed = iter(lines)
    client_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    client_socket.connect(("127.0.0.1", port))
    try:
        message = "Hello, server!"
        while message:
            client_socket.sendall(message.encode("utf-8"))
            message = client_socket.recv(512)
            print("获取服务器信息:\n", message.decode("utf-8"), flush=True)
            message = next(typed, "")  # the article: input('请输入信息:\n')
    finally:
        client_socket.close()


if __name__ == "__main__":
    peer, port, *rest = sys.argv[1:]
    globals()[peer.replace("-", "_")](int(port), *rest)
