/* fuzz_packetdrill.c: libFuzzer target for the packetdrill adapter
 * (tests/packetdrill/libfastack_packetdrill.c): the calls and the packets
 * packetdrill hands it, through its function table, as packetdrill (and
 * tests/packetdrill/test_adapter.c) drive it.
 *
 * The adapter is compiled into this program (it starts the EAL itself, once
 * per process, so one instance serves every input): packetdrill_interface_init
 * runs once with rx_timeout=0 (netdev_receive returns at once when the stack
 * has sent nothing) and block_limit=1 (a blocking call on the main thread
 * gives up after one virtual second).  Calls are made on the main thread
 * only; the adapter's emulation of blocking calls on a second thread is not
 * fuzzed.
 *
 * Input: a sequence of operations, one opcode byte each and its arguments
 * (a byte reader that returns 0 past the end), at most MAX_OPS: socket,
 * bind, listen, accept, connect, the read and write families (read, readv,
 * recv, recvfrom, recvmsg / write, writev, send, sendto, sendmsg), fcntl,
 * ioctl, close, shutdown, getsockopt/setsockopt with arbitrary levels,
 * names and values, poll, epoll_create/ctl/wait, netdev_send of raw bytes,
 * netdev_send of a TCP segment answering the last packet the stack sent
 * (seq and ack relative to it, so established connections are reached),
 * netdev_receive, usleep and gettimeofday.  Descriptors are those the
 * adapter returned in this input, -1, or a number nobody holds (the adapter
 * passes descriptors that are not its own to the real system calls, so the
 * fuzzer's own must never be named).
 *
 * End of every input: every descriptor closed, packets read until none is
 * left, virtual time run on (usleep) until the stack's connection table is
 * empty; then no descriptor and no control block may be left and every
 * mbuf must be back in the adapter's pool (abort() otherwise).
 *
 *   CC=clang meson setup build-fuzz -Dfuzz=true -Db_sanitize=address,undefined
 *   ninja -C build-fuzz fuzz/fuzz_packetdrill
 *   python3 fuzz/make_seeds.py --packetdrill corpus-pd
 *   build-fuzz/fuzz/fuzz_packetdrill -max_total_time=60 corpus-pd
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <rte_ip.h>
#include <rte_mempool.h>

#include "socket/socket.h"
#include "stack/stack.h"
#include "tcp/tcp.h"

#include "fuzz_input.h"
#include "packetdrill_interface.h"

/* The adapter's entry point (compiled into this program). */
void packetdrill_interface_init(const char *flags, struct packetdrill_interface *ifc);

#define MAX_OPS 256
#define MAX_FDS 16
#define POOL_SIZE 16383                /* the adapter's PD_POOL_SIZE */
#define LOCAL_IP RTE_BE32(0xc6120001)  /* 198.18.0.1 */
#define REMOTE_IP RTE_BE32(0xc6120101) /* 198.18.1.1 */
#define NOBODY_FD 4100                 /* above the adapter's PD_MAX_FD, never open */
#define DRAIN_US (4ull * 3600 * 1000000ull)

static struct packetdrill_interface ifc;
static void *ud;
static int fds[MAX_FDS];
static unsigned nfds;
static uint8_t last[2048]; /* the last packet the stack sent */
static size_t last_len;
static uint8_t pattern[65536];

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_packetdrill: %s\n", what);
	abort();
}

static void fd_add(int fd)
{
	if (fd < 0)
		return;
	if (nfds == MAX_FDS) {
		ifc.close(ud, fd);
		return;
	}
	fds[nfds++] = fd;
}

static int pick_fd(struct in *in)
{
	uint8_t b = u8(in);

	if (b == 0xff)
		return -1;
	if (b == 0xfe || !nfds)
		return NOBODY_FD;
	return fds[b % nfds];
}

static socklen_t sockaddr_from(struct in *in, struct sockaddr_storage *ss)
{
	static const uint32_t addrs[4] = { 0, LOCAL_IP, REMOTE_IP, RTE_BE32(0xc6120002) };
	uint8_t how = u8(in);
	struct sockaddr_in *a = (struct sockaddr_in *)ss;
	socklen_t len = sizeof(*a);

	memset(ss, 0, sizeof(*ss));
	a->sin_family = (how & 0x40) ? (sa_family_t)u8(in) : AF_INET;
	a->sin_port = htons(u16(in));
	a->sin_addr.s_addr = (how & 0x20) ? u32(in) : addrs[how & 3];
	if (how & 0x80)
		len = u8(in) % (sizeof(*ss) + 1);
	return len;
}

static void rx(void)
{
	size_t count = sizeof(last);
	long long t;

	if (ifc.netdev_receive(ud, last, &count, &t) == 0 && count > 0)
		last_len = count;
}

/* An IPv4/TCP packet from the peer answering `last` (or a SYN to a port
 * when nothing was sent yet), fields relative to it. */
static void tx_reply(struct in *in)
{
	uint8_t pkt[20 + 60 + 1460];
	struct rte_ipv4_hdr *ih = (struct rte_ipv4_hdr *)pkt;
	uint8_t *th = pkt + 20, flags = u8(in), sel = u8(in);
	uint32_t seq = 1000, ack = 0, olen = 0, plen;
	uint16_t sport = 40000, dport = u16(in), win = u16(in);
	int32_t seq_off = (int16_t)u16(in), ack_off = (int16_t)u16(in);

	if (last_len >= 40 && (last[0] >> 4) == 4 && last[9] == IPPROTO_TCP &&
	    last_len >= (last[0] & 15u) * 4u + 20) {
		const uint8_t *lt = last + (last[0] & 15u) * 4u;
		unsigned lthl = (lt[12] >> 4) * 4u, lip = (last[0] & 15u) * 4u;
		unsigned ltot = (unsigned)(last[2] << 8 | last[3]);
		uint32_t lseq =
		    (uint32_t)lt[4] << 24 | (uint32_t)lt[5] << 16 | (uint32_t)lt[6] << 8 | lt[7];
		uint32_t lack =
		    (uint32_t)lt[8] << 24 | (uint32_t)lt[9] << 16 | (uint32_t)lt[10] << 8 | lt[11];
		uint32_t llen = ltot > lip + lthl ? ltot - lip - lthl : 0;

		sport = (uint16_t)(lt[2] << 8 | lt[3]);
		if (!(sel & 0x80))
			dport = (uint16_t)(lt[0] << 8 | lt[1]);
		seq = lack;
		ack = lseq + llen + !!(lt[13] & 0x02) + !!(lt[13] & 0x01);
	}
	seq += (uint32_t)seq_off;
	ack += (uint32_t)ack_off;
	if (sel & 0x01) { /* options as the input gives them */
		olen = u8(in) % 41u;
		for (unsigned i = 0; i < olen; i++)
			th[20 + i] = u8(in);
		while (olen % 4)
			th[20 + olen++] = 0;
	}
	plen = (sel & 0x02) ? u16(in) % 1461u : 0;
	memset(ih, 0, 20);
	ih->version_ihl = 0x45;
	ih->total_length = rte_cpu_to_be_16((uint16_t)(20 + 20 + olen + plen));
	ih->time_to_live = 64;
	ih->next_proto_id = IPPROTO_TCP;
	ih->type_of_service = (uint8_t)(sel >> 2 & 3); /* ECN field */
	ih->src_addr = REMOTE_IP;
	ih->dst_addr = LOCAL_IP;
	ih->hdr_checksum = rte_ipv4_cksum(ih);
	tcp_hdr_put(th, sport, dport, seq, ack, 20 + olen, flags, win);
	memcpy(th + 20 + olen, pattern, plen);
	{
		uint16_t ck = rte_ipv4_udptcp_cksum(ih, th);
		if (sel & 0x10)
			ck ^= 0x0101; /* a bad checksum */
		memcpy(th + 16, &ck, 2);
	}
	ifc.netdev_send(ud, pkt, 20 + 20 + olen + plen);
}

static void op_io(struct in *in, bool write)
{
	static uint8_t buf[65536];
	int fd = pick_fd(in), flags = 0;
	uint8_t how = u8(in);
	size_t len = (size_t)u16(in);
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct iovec iov[3] = { { buf, len / 2 }, { buf + len / 2, len - len / 2 }, { buf, 0 } };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 1 + how % 3 };
	uint8_t ctl[64];

	if (how & 0x08)
		flags |= MSG_DONTWAIT;
	if (how & 0x10)
		flags |= MSG_PEEK;
	if (how & 0x20)
		flags |= (int)u32(in); /* any flags */
	if (write)
		memcpy(buf, pattern, len);
	switch ((how >> 6) | (write ? 4 : 0)) {
	case 0:
		ifc.read(ud, fd, buf, len);
		break;
	case 1:
		ifc.readv(ud, fd, iov, 1 + how % 3);
		break;
	case 2:
		ifc.recvfrom(ud, fd, buf, len, flags, (struct sockaddr *)&ss, &sl);
		break;
	case 3:
		msg.msg_name = &ss;
		msg.msg_namelen = sl;
		if (how & 0x04) {
			msg.msg_control = ctl;
			msg.msg_controllen = sizeof(ctl);
		}
		ifc.recvmsg(ud, fd, &msg, flags);
		break;
	case 4:
		ifc.write(ud, fd, buf, len);
		break;
	case 5:
		ifc.writev(ud, fd, iov, 1 + how % 3);
		break;
	case 6:
		sl = sockaddr_from(in, &ss);
		ifc.sendto(ud, fd, buf, len, flags, (how & 0x04) ? NULL : (struct sockaddr *)&ss,
		           sl);
		break;
	default:
		if (how & 0x04) {
			for (unsigned i = 0; i < sizeof(ctl); i++)
				ctl[i] = u8(in);
			msg.msg_control = ctl;
			msg.msg_controllen = u8(in) % (sizeof(ctl) + 1);
		}
		ifc.sendmsg(ud, fd, &msg, flags);
		break;
	}
}

static void op_sockopt(struct in *in)
{
	static const int levels[4] = { SOL_SOCKET, IPPROTO_TCP, IPPROTO_IP, IPPROTO_UDP };
	int fd = pick_fd(in);
	uint8_t how = u8(in);
	int level = (how & 0x04) ? (int)u16(in) : levels[how & 3];
	int name = u8(in);
	uint8_t val[64];
	socklen_t len = u8(in) % (sizeof(val) + 1);

	if (how & 0x80) {
		for (unsigned i = 0; i < len; i++)
			val[i] = u8(in);
		ifc.setsockopt(ud, fd, level, name, val, len);
	} else {
		ifc.getsockopt(ud, fd, level, name, val, &len);
	}
}

static void op_poll(struct in *in)
{
	struct pollfd p[4];
	unsigned n = u8(in) % 5u;
	int timeout = (int8_t)u8(in) % 20;

	for (unsigned i = 0; i < n; i++) {
		p[i].fd = pick_fd(in);
		p[i].events = (short)u16(in);
		p[i].revents = 0;
	}
	ifc.poll(ud, p, n, timeout);
}

static void op_epoll(struct in *in)
{
	uint8_t how = u8(in);
	struct epoll_event ev[4] = { { 0 } };

	switch (how & 3) {
	case 0:
		fd_add(ifc.epoll_create(ud, 1 + u8(in)));
		break;
	case 1:
	case 2: {
		int epfd = pick_fd(in), fd = pick_fd(in);
		ev[0].events = u32(in);
		ev[0].data.u64 = 7;
		ifc.epoll_ctl(ud, epfd, 1 + u8(in) % 3, fd, ev);
		break;
	}
	default:
		ifc.epoll_wait(ud, pick_fd(in), ev, 1 + u8(in) % 4, (int8_t)u8(in) % 20);
		break;
	}
}

static void close_all(void)
{
	for (unsigned i = 0; i < nfds; i++)
		ifc.close(ud, fds[i]);
	nfds = 0;
}

static void drain_and_check(void)
{
	struct stack *s = stack_current();
	struct rte_mempool *pool = rte_mempool_lookup("pd_pool");
	uint64_t waited = 0;

	close_all();
	for (;;) {
		size_t count = sizeof(last);
		long long t;

		/* What the stack sent (rx_timeout=0: returns at once). */
		while (ifc.netdev_receive(ud, last, &count, &t) == 0 && count > 0)
			count = sizeof(last);
		if (tcp_conn_count(s) == 0)
			break;
		if (waited > DRAIN_US)
			fail("connections still in the table after 4 virtual hours");
		ifc.usleep(ud, 10000000); /* 10 s */
		waited += 10000000;
	}
	if (fd_count(s) != 0 || tcp_pcb_count(s) != 0) {
		fprintf(stderr, "fuzz_packetdrill: %u descriptor(s), %u control block(s) left\n",
		        fd_count(s), tcp_pcb_count(s));
		abort();
	}
	if (!pool || rte_mempool_avail_count(pool) != POOL_SIZE) {
		fprintf(stderr, "fuzz_packetdrill: %u mbufs missing from the pool\n",
		        pool ? POOL_SIZE - rte_mempool_avail_count(pool) : 0);
		abort();
	}
	last_len = 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)('a' + i % 26);
	packetdrill_interface_init("rx_timeout=0 block_limit=1", &ifc);
	ud = ifc.userdata;
	/* stack_current() is the adapter's stack from its first call on. */
	{
		struct timeval tv;
		ifc.gettimeofday(ud, &tv, NULL);
	}
	if (!stack_current())
		fail("no stack");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size };

	for (unsigned ops = 0; in.n && ops < MAX_OPS; ops++) {
		uint8_t op = u8(&in);
		struct sockaddr_storage ss;
		socklen_t sl;
		int fd, v;

		switch (op % 19) {
		case 0: {
			static const int domains[4] = { AF_INET, AF_INET, AF_INET6, AF_UNIX };
			static const int types[4] = { SOCK_STREAM, SOCK_STREAM, SOCK_DGRAM,
				                      SOCK_RAW };
			uint8_t b = u8(&in);
			int type = types[(b >> 2) & 3] | ((b & 0x10) ? 0 : SOCK_NONBLOCK);
			fd_add(ifc.socket(ud, domains[b & 3], type, (b & 0x20) ? u8(&in) : 0));
			break;
		}
		case 1:
		case 4: /* bind, connect */
			fd = pick_fd(&in);
			sl = sockaddr_from(&in, &ss);
			if (op % 19 == 1)
				ifc.bind(ud, fd, (struct sockaddr *)&ss, sl);
			else
				ifc.connect(ud, fd, (struct sockaddr *)&ss, sl);
			break;
		case 2:
			fd = pick_fd(&in);
			ifc.listen(ud, fd, (int8_t)u8(&in));
			break;
		case 3:
			fd = pick_fd(&in);
			sl = (socklen_t)(u8(&in) % (sizeof(ss) + 1));
			fd_add(ifc.accept(ud, fd, (struct sockaddr *)&ss, &sl));
			break;
		case 5:
			op_io(&in, false);
			break;
		case 6:
			op_io(&in, true);
			break;
		case 7:
			fd = pick_fd(&in);
			v = u8(&in);
			if (v & 1)
				ifc.fcntl(ud, fd, F_SETFL, (v & 2) ? O_NONBLOCK : 0);
			else
				ifc.fcntl(ud, fd, F_GETFL);
			break;
		case 8: {
			int arg = u8(&in) & 1;
			fd = pick_fd(&in);
			ifc.ioctl(ud, fd, (u8(&in) & 1) ? FIONBIO : FIONREAD, &arg);
			break;
		}
		case 9:
			if (nfds) {
				unsigned k = u8(&in) % nfds;
				ifc.close(ud, fds[k]);
				fds[k] = fds[--nfds];
			}
			break;
		case 10:
			fd = pick_fd(&in);
			ifc.shutdown(ud, fd, u8(&in) % 4);
			break;
		case 11:
			op_sockopt(&in);
			break;
		case 12:
			op_poll(&in);
			break;
		case 13:
			op_epoll(&in);
			break;
		case 14: {
			uint8_t pkt[1600];
			size_t len = u16(&in) % sizeof(pkt);
			for (size_t i = 0; i < len; i++)
				pkt[i] = u8(&in);
			ifc.netdev_send(ud, pkt, len);
			break;
		}
		case 15:
			tx_reply(&in);
			break;
		case 16:
			rx();
			break;
		case 17:
			ifc.usleep(ud, (useconds_t)u16(&in) << (u8(&in) % 12));
			break;
		default: {
			struct timeval tv;
			ifc.gettimeofday(ud, &tv, NULL);
			break;
		}
		}
	}
	drain_and_check();
	return 0;
}
