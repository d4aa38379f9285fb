"""The article programs of lessons 08 and 09, with the same socket calls in the same order.

003 "四、使用 epoll 实现即时聊天": the epoll chat server and client (Linux only).
004 "4. 自定义简单的静态服务器": the threaded HTTP server, one recv(1024) per request.
Each is pointed at 127.0.0.1 and the port on the command line; a server given port 0 prints
`listening on 127.0.0.1:PORT` first, as the lessons do. The article's bugs are kept: they are
what the tests show the lessons still talk to.

usage: python3 article_chat_http.py chat-server|chat-client|http-server PORT
"""
import select
import socket
import sys
import threading


def ready(sock):
    print("listening on %s:%d" % sock.getsockname()[:2], flush=True)


def chat_server(port):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(10)
    ready(sock)
    epoll = select.epoll()
    epoll.register(sock.fileno(), select.EPOLLIN)
    epoll.register(sys.stdin.fileno(), select.EPOLLIN)
    while True:
        for fd, event in epoll.poll(-1):
            if fd == sock.fileno():
                client_socket, client_addr = sock.accept()
                print("New connected by:", client_addr, flush=True)
                epoll.register(client_socket.fileno(), select.EPOLLIN)
            elif fd == sys.stdin.fileno():
                msg = input()
                client_socket.send(msg.encode("utf-8"))
            elif fd == client_socket.fileno():
                data = client_socket.recv(1024).decode("utf-8")
                if data:
                    print("Received from client:", data, flush=True)
                else:
                    print("Client has been closed.", flush=True)
                    epoll.unregister(client_socket.fileno())
                    client_socket.close()
                    break


def chat_client(port):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.connect(("127.0.0.1", port))
    epoll = select.epoll()
    epoll.register(sock.fileno(), select.EPOLLIN)
    epoll.register(sys.stdin.fileno(), select.EPOLLIN)
    while True:
        for fd, event in epoll.poll(-1):
            if fd == sock.fileno():
                data = sock.recv(1024).decode("utf-8")
                if not data:
                    print("Server has been closed.", flush=True)
                    epoll.unregister(sock.fileno())
                    sock.close()
                    break
                print("Received from server:", data, flush=True)
            elif fd == sys.stdin.fileno():
                msg = input()
                sock.send(msg.encode("utf-8"))


def handle_request(client_socket, address):
    recv_data = client_socket.recv(1024)
    if len(recv_data) == 0:
        client_socket.close()
        return
    url = recv_data.decode("utf8").split(" ", maxsplit=2)[1]
    if url == "/go":
        with open("welcome.html", "rb") as f:
            send_data = f.read().decode("utf8").replace("{{content}}", address[0])
    else:
        with open("other.html", "rb") as f:
            send_data = f.read().decode("utf8")
    head = "HTTP/1.1 200 OK\r\n" + "Server: PWS1.0\r\n" + "\r\n"
    client_socket.send(head.encode("utf8") + send_data.encode("utf8"))
    client_socket.close()


def http_server(port):
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", port))
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.listen(128)
    ready(server)
    while True:
        client_socket, address = server.accept()
        thread = threading.Thread(target=handle_request, args=(client_socket, address))
        thread.daemon = True
        thread.start()


if __name__ == "__main__":
    peer, port = sys.argv[1], int(sys.argv[2])
    {"chat-server": chat_server, "chat-client": chat_client, "http-server": http_server}[peer](port)
