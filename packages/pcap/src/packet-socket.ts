// The packet(7) socket constants shared by live capture and netlab's delay line.
// Values from <linux/socket.h>, <linux/net.h>, <linux/if_ether.h> and <linux/if_packet.h>
// (the same on x86-64 and aarch64).

/** Address family of a packet socket. */
export const AF_PACKET = 17;
export const SOCK_RAW = 3;
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;
/** Every protocol, in host order (ETH_P_ALL). */
export const ETH_P_ALL = 0x0003;
/** ETH_P_ALL in network byte order, as socket() and sockaddr_ll want it on little-endian hosts. */
export const ETH_P_ALL_BE = 0x0300;
/** Socket-option level of packet sockets. */
export const SOL_PACKET = 263;
