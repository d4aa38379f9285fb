"""Python peers for lesson 10: a broadcast or multicast sender and receiver, with the socket
calls a Python programmer writes for them (SO_BROADCAST, IP_MULTICAST_TTL, IP_MULTICAST_IF,
IP_ADD_MEMBERSHIP), in the style of article 000's UDP programs.

usage: python3 10_broadcast_peers.py recv PORT COUNT [GROUP INTERFACE]
       python3 10_broadcast_peers.py send HOST PORT broadcast|INTERFACE TEXT...

recv binds ('', PORT) (GROUP's address if given; port 0: the OS picks), joins GROUP on INTERFACE if given, prints
`bound to 0.0.0.0:PORT` when ready, then `ip:port sent: text` for COUNT datagrams.
send sends each TEXT as one UTF-8 datagram: to a broadcast address with SO_BROADCAST, or to a
group out of INTERFACE (this machine's address on it) with a TTL of 1.
"""
import socket
import struct
import sys


def recv(port, count, group=None, interface=None):
    udp_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp_socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # On Linux, binding the group's address (not '') keeps out unicast and other groups' datagrams.
    udp_socket.bind((group or "", int(port)))
    if group:
        membership = struct.pack("4s4s", socket.inet_aton(group), socket.inet_aton(interface))
        udp_socket.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, membership)
    print("bound to %s:%d" % udp_socket.getsockname(), flush=True)
    for _ in range(int(count)):
        recv_data, (ip, sender_port) = udp_socket.recvfrom(65535)
        print("%s:%d sent: %s" % (ip, sender_port, recv_data.decode("utf-8")), flush=True)
    udp_socket.close()


def send(host, port, how, *texts):
    udp_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    if how == "broadcast":
        udp_socket.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    else:
        udp_socket.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
        udp_socket.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(how))
    for send_data in texts:
        udp_socket.sendto(send_data.encode("utf-8"), (host, int(port)))
    udp_socket.close()


if __name__ == "__main__":
    {"recv": recv, "send": send}[sys.argv[1]](*sys.argv[2:])
