/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the vhost-user message firewall (lib/vport/vport_fw.c):
 * each rule on its own, and the per-connection state it keeps, driven
 * with hand-made messages and a fake fd inspector (fd numbers here are
 * only keys into a table of what each "fd" pretends to be).
 */

#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_vhost.h>
#include <linux/virtio_config.h>

#include "vport_fw.h"
#include "unit.h"

/* Fake fds. */
enum {
	FD_MEM = 10,        /* 64 KiB memfd */
	FD_MEM2,            /* another 64 KiB memfd */
	FD_SMALL,           /* 4 KiB memfd */
	FD_EVENT,           /* eventfd */
	FD_PIPE,            /* pipe */
	FD_SOCK,            /* socket */
	FD_HUGE,            /* 2 MiB-page file of 4 MiB */
	FD_MAX
};

static int
fake_fdinfo(int fd, struct vport_fw_fd *out)
{
	memset(out, 0, sizeof(*out));
	switch (fd) {
	case FD_MEM:
	case FD_MEM2:
		*out = (struct vport_fw_fd){ VPORT_FW_FD_FILE, 65536, 4096 };
		return 0;
	case FD_SMALL:
		*out = (struct vport_fw_fd){ VPORT_FW_FD_FILE, 4096, 4096 };
		return 0;
	case FD_HUGE:
		*out = (struct vport_fw_fd){ VPORT_FW_FD_FILE, 4 << 20,
			2 << 20 };
		return 0;
	case FD_EVENT:
		out->kind = VPORT_FW_FD_EVENTFD;
		return 0;
	case FD_PIPE:
		out->kind = VPORT_FW_FD_OTHER;
		return 0;
	case FD_SOCK:
		out->kind = VPORT_FW_FD_SOCKET;
		return 0;
	default:
		return -1;
	}
}

#define OFFERED ((1ULL << VIRTIO_F_VERSION_1) | \
	(1ULL << VHOST_USER_F_PROTOCOL_FEATURES))
#define OFFERED_PF ((1ULL << VHOST_USER_PROTOCOL_F_REPLY_ACK) | \
	(1ULL << VHOST_USER_PROTOCOL_F_MQ) | \
	(1ULL << VHOST_USER_PROTOCOL_F_LOG_SHMFD))

static struct vport_fw fw;
static struct vport_dpdk_msg msg;

static struct vport_dpdk_msg *
mk(uint32_t request, uint32_t size)
{
	int i;

	memset(&msg, 0, sizeof(msg));
	msg.request = request;
	msg.flags = VSW_VHU_VERSION;
	msg.size = size;
	for (i = 0; i < VSW_VHU_MAX_FDS; i++)
		msg.fds[i] = -1;
	return &msg;
}

static void
add_fd(int fd)
{
	msg.fds[msg.fd_num++] = fd;
}

/* Run the current message; on success also "rte_vhost handled it". */
static enum vsw_vport_reject
run(void)
{
	enum vsw_vport_reject why = VSW_REJECT_NONE;
	const char *detail;

	if (!vport_fw_check(&fw, &msg, &why, &detail))
		return why;
	vport_fw_done(&fw, &msg);
	return VSW_REJECT_NONE;
}

static enum vsw_vport_reject
send_u64(uint32_t request, uint64_t v)
{
	mk(request, 8)->payload.u64 = v;
	return run();
}

static enum vsw_vport_reject
send_state(uint32_t request, uint32_t index, uint32_t num)
{
	mk(request, sizeof(struct vsw_vhu_vring_state));
	msg.payload.state.index = index;
	msg.payload.state.num = num;
	return run();
}

static enum vsw_vport_reject
send_vring_fd(uint32_t request, uint32_t index, int fd)
{
	mk(request, 8)->payload.u64 = index;
	if (fd >= 0)
		add_fd(fd);
	else
		msg.payload.u64 |= VSW_VHU_VRING_NOFD_MASK;
	return run();
}

static enum vsw_vport_reject
send_addr(uint32_t index)
{
	mk(VSW_VHU_SET_VRING_ADDR, sizeof(struct vsw_vhu_vring_addr));
	msg.payload.addr.index = index;
	return run();
}

/* A table of @p n regions of @p size bytes at @p offset in fds[i]. */
static enum vsw_vport_reject
send_mem(unsigned int n, const int *fds, uint64_t size, uint64_t offset)
{
	struct vsw_vhu_mem_table t;
	unsigned int i;

	memset(&t, 0, sizeof(t));
	t.nregions = n;
	for (i = 0; i < n && i < VSW_VHU_MAX_MEM_REGIONS; i++) {
		t.regions[i].guest_phys_addr = (uint64_t)i << 32;
		t.regions[i].memory_size = size;
		t.regions[i].userspace_addr = 0x7f0000000000ULL + ((uint64_t)i << 32);
		t.regions[i].mmap_offset = offset;
	}
	mk(VSW_VHU_SET_MEM_TABLE, (uint32_t)(8 + 32 * RTE_MIN(n, 8u)));
	memcpy(msg.payload.raw, &t, sizeof(t));
	for (i = 0; i < n && i < VSW_VHU_MAX_FDS; i++)
		add_fd(fds[i]);
	return run();
}

/* A connection as QEMU would set it up, one queue pair running. */
static void
setup_running(void)
{
	int mem = FD_MEM;
	unsigned int q;

	vport_fw_init(&fw, OFFERED, OFFERED_PF, fake_fdinfo);
	UNIT_EQ(send_u64(VSW_VHU_SET_FEATURES, OFFERED), VSW_REJECT_NONE);
	UNIT_EQ(send_u64(VSW_VHU_SET_PROTOCOL_FEATURES, OFFERED_PF),
		VSW_REJECT_NONE);
	UNIT_EQ(send_mem(1, &mem, 65536, 0), VSW_REJECT_NONE);
	for (q = 0; q < 2; q++) {
		UNIT_EQ(send_state(VSW_VHU_SET_VRING_NUM, q, 256),
			VSW_REJECT_NONE);
		UNIT_EQ(send_state(VSW_VHU_SET_VRING_BASE, q, 0),
			VSW_REJECT_NONE);
		UNIT_EQ(send_addr(q), VSW_REJECT_NONE);
		UNIT_EQ(send_vring_fd(VSW_VHU_SET_VRING_KICK, q, FD_EVENT),
			VSW_REJECT_NONE);
		UNIT_EQ(send_vring_fd(VSW_VHU_SET_VRING_CALL, q, FD_EVENT),
			VSW_REJECT_NONE);
		UNIT_EQ(send_state(VSW_VHU_SET_VRING_ENABLE, q, 1),
			VSW_REJECT_NONE);
	}
}

static void
test_header_and_ids(void)
{
	unit_case("header_and_ids");
	vport_fw_init(&fw, OFFERED, OFFERED_PF, fake_fdinfo);
	mk(VSW_VHU_GET_FEATURES, 0);
	UNIT_EQ(run(), VSW_REJECT_NONE);
	mk(VSW_VHU_GET_FEATURES, 0)->flags = 2;
	UNIT_EQ(run(), VSW_REJECT_BAD_HEADER);
	mk(VSW_VHU_GET_FEATURES, 0)->flags |= VSW_VHU_FLAG_REPLY;
	UNIT_EQ(run(), VSW_REJECT_BAD_HEADER);
	mk(VSW_VHU_GET_FEATURES, 0)->flags |= 1u << 5;
	UNIT_EQ(run(), VSW_REJECT_BAD_HEADER);
	mk(VSW_VHU_GET_FEATURES, 0)->flags |= VSW_VHU_FLAG_NEED_REPLY;
	UNIT_EQ(run(), VSW_REJECT_NONE);
	mk(0, 0);
	UNIT_EQ(run(), VSW_REJECT_UNKNOWN);
	mk(43, 0);
	UNIT_EQ(run(), VSW_REJECT_UNKNOWN);
	mk(0xffffffffu, 0);
	UNIT_EQ(run(), VSW_REJECT_UNKNOWN);
	/* Features never offered: refused whatever they carry. */
	mk(VSW_VHU_GET_INFLIGHT_FD, sizeof(struct vsw_vhu_inflight));
	UNIT_EQ(run(), VSW_REJECT_NOT_NEGOTIATED);
	mk(VSW_VHU_SET_INFLIGHT_FD, sizeof(struct vsw_vhu_inflight));
	add_fd(FD_MEM);
	UNIT_EQ(run(), VSW_REJECT_NOT_NEGOTIATED);
	mk(VSW_VHU_POSTCOPY_ADVISE, 0);
	UNIT_EQ(run(), VSW_REJECT_NOT_NEGOTIATED);
	mk(VSW_VHU_POSTCOPY_LISTEN, 0);
	UNIT_EQ(run(), VSW_REJECT_NOT_NEGOTIATED);
	mk(VSW_VHU_IOTLB_MSG, 64);
	UNIT_EQ(run(), VSW_REJECT_NOT_NEGOTIATED);
	/* Sizes and fd counts from the rule table. */
	mk(VSW_VHU_GET_FEATURES, 8);
	UNIT_EQ(run(), VSW_REJECT_BAD_SIZE);
	mk(VSW_VHU_SET_FEATURES, 4);
	UNIT_EQ(run(), VSW_REJECT_BAD_SIZE);
	mk(VSW_VHU_SET_OWNER, 0);
	add_fd(FD_EVENT);
	UNIT_EQ(run(), VSW_REJECT_BAD_FD);
}

static void
test_negotiation(void)
{
	unit_case("negotiation");
	vport_fw_init(&fw, OFFERED, OFFERED_PF, fake_fdinfo);
	UNIT_EQ(send_u64(VSW_VHU_SET_FEATURES, OFFERED | (1ULL << 5)),
		VSW_REJECT_NOT_NEGOTIATED);
	UNIT_EQ(send_u64(VSW_VHU_SET_PROTOCOL_FEATURES,
		1ULL << VHOST_USER_PROTOCOL_F_PAGEFAULT),
		VSW_REJECT_NOT_NEGOTIATED);
	/* A message whose protocol feature was not negotiated. */
	mk(VSW_VHU_GET_QUEUE_NUM, 0);
	UNIT_EQ(run(), VSW_REJECT_NOT_NEGOTIATED);
	UNIT_EQ(send_u64(VSW_VHU_SET_PROTOCOL_FEATURES,
		1ULL << VHOST_USER_PROTOCOL_F_MQ), VSW_REJECT_NONE);
	mk(VSW_VHU_GET_QUEUE_NUM, 0);
	UNIT_EQ(run(), VSW_REJECT_NONE);
	mk(VSW_VHU_SEND_RARP, 8);
	UNIT_EQ(run(), VSW_REJECT_NOT_NEGOTIATED);
}

static void
test_mem_table(void)
{
	int two[2] = { FD_MEM, FD_MEM2 }, bad;
	int nine[9] = { FD_MEM, FD_MEM2, FD_MEM, FD_MEM2, FD_MEM, FD_MEM2,
		FD_MEM, FD_MEM2, FD_MEM };

	unit_case("mem_table");
	vport_fw_init(&fw, OFFERED, OFFERED_PF, fake_fdinfo);
	UNIT_EQ(send_mem(0, two, 4096, 0), VSW_REJECT_BAD_MEM);
	UNIT_EQ(send_mem(9, nine, 4096, 0), VSW_REJECT_BAD_MEM);
	UNIT_EQ(send_mem(1, two, 0, 0), VSW_REJECT_BAD_MEM);
	/* Past the end of the file, or wrapping around. */
	UNIT_EQ(send_mem(1, two, 65536, 4096), VSW_REJECT_BAD_MEM);
	UNIT_EQ(send_mem(1, two, 65537, 0), VSW_REJECT_BAD_MEM);
	UNIT_EQ(send_mem(1, two, UINT64_MAX - 100, 4096),
		VSW_REJECT_BAD_MEM);
	bad = FD_SMALL;
	UNIT_EQ(send_mem(1, &bad, 8192, 0), VSW_REJECT_BAD_MEM);
	UNIT_EQ(send_mem(1, two, 4096, 100), VSW_REJECT_BAD_MEM);
	/* Descriptors that are not files. */
	bad = FD_PIPE;
	UNIT_EQ(send_mem(1, &bad, 4096, 0), VSW_REJECT_BAD_FD);
	bad = FD_EVENT;
	UNIT_EQ(send_mem(1, &bad, 4096, 0), VSW_REJECT_BAD_FD);
	bad = FD_SOCK;
	UNIT_EQ(send_mem(1, &bad, 4096, 0), VSW_REJECT_BAD_FD);
	bad = 999;            /* not open at all */
	UNIT_EQ(send_mem(1, &bad, 4096, 0), VSW_REJECT_BAD_FD);
	/* One fd per region. */
	send_mem(2, two, 4096, 0);
	msg.fd_num = 1;
	msg.fds[1] = -1;
	UNIT_EQ(run(), VSW_REJECT_BAD_FD);
	/* Overlapping guest ranges. */
	send_mem(2, two, 4096, 0);
	{
		uint64_t gpa = 2048;  /* region 1 inside region 0 */

		memcpy(msg.payload.raw + 8 + 32, &gpa, sizeof(gpa));
	}
	UNIT_EQ(run(), VSW_REJECT_BAD_MEM);
	/* Hugepage file: the offset must be hugepage-aligned. */
	bad = FD_HUGE;
	UNIT_EQ(send_mem(1, &bad, 2 << 20, 4096), VSW_REJECT_BAD_MEM);
	UNIT_EQ(send_mem(1, &bad, 2 << 20, 2 << 20), VSW_REJECT_NONE);
	UNIT_EQ(send_mem(2, two, 65536, 0), VSW_REJECT_NONE);
}

static void
test_log_base(void)
{
	unit_case("log_base");
	vport_fw_init(&fw, OFFERED, OFFERED_PF, fake_fdinfo);
	mk(VSW_VHU_SET_LOG_BASE, sizeof(struct vsw_vhu_log));
	add_fd(FD_MEM);
	msg.payload.log.mmap_size = 4096;
	UNIT_EQ(run(), VSW_REJECT_NOT_NEGOTIATED);   /* no LOG_SHMFD */
	UNIT_EQ(send_u64(VSW_VHU_SET_PROTOCOL_FEATURES, OFFERED_PF),
		VSW_REJECT_NONE);
	mk(VSW_VHU_SET_LOG_BASE, sizeof(struct vsw_vhu_log));
	add_fd(FD_MEM);
	msg.payload.log.mmap_size = 65536;
	msg.payload.log.mmap_offset = 4096;          /* past the end */
	UNIT_EQ(run(), VSW_REJECT_BAD_MEM);
	mk(VSW_VHU_SET_LOG_BASE, sizeof(struct vsw_vhu_log));
	add_fd(FD_PIPE);
	msg.payload.log.mmap_size = 4096;
	UNIT_EQ(run(), VSW_REJECT_BAD_FD);
	mk(VSW_VHU_SET_LOG_BASE, sizeof(struct vsw_vhu_log));
	add_fd(FD_MEM);
	msg.payload.log.mmap_size = 4096;
	msg.payload.log.mmap_offset = 4096;
	UNIT_EQ(run(), VSW_REJECT_NONE);
}

static void
test_vring_rules(void)
{
	unit_case("vring_rules");
	setup_running();
	/* Index, size, fd kinds. */
	UNIT_EQ(send_state(VSW_VHU_SET_VRING_NUM, 256, 256),
		VSW_REJECT_BAD_VRING);
	UNIT_EQ(send_state(VSW_VHU_SET_VRING_NUM, 2, 300),
		VSW_REJECT_BAD_VRING);
	UNIT_EQ(send_state(VSW_VHU_SET_VRING_NUM, 2, 0),
		VSW_REJECT_BAD_VRING);
	UNIT_EQ(send_state(VSW_VHU_SET_VRING_NUM, 2, 65536),
		VSW_REJECT_BAD_VRING);
	UNIT_EQ(send_vring_fd(VSW_VHU_SET_VRING_CALL, 0, FD_PIPE),
		VSW_REJECT_BAD_FD);
	UNIT_EQ(send_vring_fd(VSW_VHU_SET_VRING_CALL, 0, FD_SOCK),
		VSW_REJECT_BAD_FD);
	UNIT_EQ(send_vring_fd(VSW_VHU_SET_VRING_CALL, 0, -1),
		VSW_REJECT_NONE);                    /* NOFD, no fd */
	mk(VSW_VHU_SET_VRING_CALL, 8)->payload.u64 = 1 | (1 << 12);
	add_fd(FD_EVENT);
	UNIT_EQ(run(), VSW_REJECT_BAD_VRING);        /* undefined bits */
	mk(VSW_VHU_SET_VRING_CALL, 8)->payload.u64 =
		VSW_VHU_VRING_NOFD_MASK;
	add_fd(FD_EVENT);
	UNIT_EQ(run(), VSW_REJECT_BAD_FD);           /* NOFD with an fd */
	UNIT_EQ(send_state(VSW_VHU_SET_VRING_ENABLE, 0, 2),
		VSW_REJECT_BAD_VRING);
	/* A set-up ring's size cannot change. */
	UNIT_EQ(send_state(VSW_VHU_SET_VRING_NUM, 0, 512),
		VSW_REJECT_BAD_VRING);
	/* Class 1: stopped, then restarted without a size. */
	UNIT_EQ(send_state(VSW_VHU_GET_VRING_BASE, 0, 0), VSW_REJECT_NONE);
	UNIT_EQ(send_addr(0), VSW_REJECT_BAD_VRING);
	UNIT_EQ(send_vring_fd(VSW_VHU_SET_VRING_KICK, 0, FD_EVENT),
		VSW_REJECT_BAD_VRING);
	/* A size rte_vhost refused (no done()) does not count either. */
	mk(VSW_VHU_SET_VRING_NUM, sizeof(struct vsw_vhu_vring_state));
	msg.payload.state.num = 128;
	{
		enum vsw_vport_reject why;
		const char *d;

		UNIT_CHECK(vport_fw_check(&fw, &msg, &why, &d));
	}
	UNIT_EQ(send_addr(0), VSW_REJECT_BAD_VRING);
	/* A valid size, then a second one rte_vhost fails to take: the
	 * first does not count any more (rte_vhost stored the second). */
	UNIT_EQ(send_state(VSW_VHU_SET_VRING_NUM, 0, 128), VSW_REJECT_NONE);
	mk(VSW_VHU_SET_VRING_NUM, sizeof(struct vsw_vhu_vring_state));
	msg.payload.state.num = 64;
	{
		enum vsw_vport_reject why;
		const char *d;

		UNIT_CHECK(vport_fw_check(&fw, &msg, &why, &d));
	}
	UNIT_EQ(send_addr(0), VSW_REJECT_BAD_VRING);
	/* Size, then addresses, then kick: the order rte_vhost needs. */
	UNIT_EQ(send_state(VSW_VHU_SET_VRING_NUM, 0, 128), VSW_REJECT_NONE);
	UNIT_EQ(send_vring_fd(VSW_VHU_SET_VRING_KICK, 0, FD_EVENT),
		VSW_REJECT_BAD_VRING);
	UNIT_EQ(send_addr(0), VSW_REJECT_NONE);
	UNIT_EQ(send_vring_fd(VSW_VHU_SET_VRING_KICK, 0, FD_EVENT),
		VSW_REJECT_NONE);
}

static void
test_ring_entry_limit(void)
{
	unsigned int i;
	bool ok = true;

	unit_case("ring_entry_limit");
	vport_fw_init(&fw, OFFERED, OFFERED_PF, fake_fdinfo);
	/* 32 rings of 32768 entries reach the 1 Mi-entry cap. */
	for (i = 0; i < 32; i++)
		ok &= send_state(VSW_VHU_SET_VRING_NUM, i, 32768) ==
			VSW_REJECT_NONE;
	UNIT_CHECK(ok);
	UNIT_EQ(send_state(VSW_VHU_SET_VRING_NUM, 32, 1), VSW_REJECT_LIMIT);
	/* Resizing one that counts already is not double-counted. */
	UNIT_EQ(send_state(VSW_VHU_SET_VRING_NUM, 0, 32768), VSW_REJECT_NONE);
}

static void
test_mem_under_live_rings(void)
{
	int mem = FD_MEM2;
	enum vsw_vport_reject why;
	const char *d;

	unit_case("mem_under_live_rings");
	setup_running();
	/* Class 4: a new table while rings run. */
	UNIT_EQ(send_mem(1, &mem, 65536, 0), VSW_REJECT_BUSY);
	/* Disabled rings (virtio-user's memory hotplug) may change it. */
	UNIT_EQ(send_state(VSW_VHU_SET_VRING_ENABLE, 0, 0), VSW_REJECT_NONE);
	UNIT_EQ(send_mem(1, &mem, 65536, 0), VSW_REJECT_BUSY);
	UNIT_EQ(send_state(VSW_VHU_SET_VRING_ENABLE, 1, 0), VSW_REJECT_NONE);
	/* This one passes the firewall but rte_vhost fails to map it. */
	send_mem(1, &mem, 65536, 0);
	UNIT_CHECK(vport_fw_check(&fw, &msg, &why, &d));
	/* Rings hold stale addresses now: they may not come back... */
	UNIT_EQ(send_state(VSW_VHU_SET_VRING_ENABLE, 0, 1),
		VSW_REJECT_BAD_MEM);
	UNIT_EQ(send_addr(0), VSW_REJECT_BAD_MEM);
	UNIT_EQ(send_vring_fd(VSW_VHU_SET_VRING_KICK, 1, FD_EVENT),
		VSW_REJECT_BAD_MEM);
	/* ...until a table maps. */
	UNIT_EQ(send_mem(1, &mem, 65536, 0), VSW_REJECT_NONE);
	UNIT_EQ(send_state(VSW_VHU_SET_VRING_ENABLE, 0, 1), VSW_REJECT_NONE);
	/* Stopped rings (GET_VRING_BASE) free the table too. */
	UNIT_EQ(send_mem(1, &mem, 65536, 0), VSW_REJECT_BUSY);
	UNIT_EQ(send_state(VSW_VHU_GET_VRING_BASE, 0, 0), VSW_REJECT_NONE);
	UNIT_EQ(send_mem(1, &mem, 65536, 0), VSW_REJECT_NONE);
}

static void
test_legacy_kick_enables(void)
{
	int mem = FD_MEM;

	unit_case("legacy_kick_enables");
	/* Without PROTOCOL_FEATURES a kicked ring is enabled at once. */
	vport_fw_init(&fw, OFFERED, OFFERED_PF, fake_fdinfo);
	UNIT_EQ(send_u64(VSW_VHU_SET_FEATURES, 1ULL << VIRTIO_F_VERSION_1),
		VSW_REJECT_NONE);
	UNIT_EQ(send_mem(1, &mem, 65536, 0), VSW_REJECT_NONE);
	UNIT_EQ(send_state(VSW_VHU_SET_VRING_NUM, 0, 256), VSW_REJECT_NONE);
	UNIT_EQ(send_addr(0), VSW_REJECT_NONE);
	UNIT_EQ(send_mem(1, &mem, 65536, 0), VSW_REJECT_NONE);
	UNIT_EQ(send_vring_fd(VSW_VHU_SET_VRING_KICK, 0, FD_EVENT),
		VSW_REJECT_NONE);
	UNIT_EQ(send_mem(1, &mem, 65536, 0), VSW_REJECT_BUSY);
}

static void
test_names(void)
{
	unit_case("names");
	UNIT_CHECK(strcmp(vport_fw_msg_name(VSW_VHU_SET_MEM_TABLE),
		"SET_MEM_TABLE") == 0);
	UNIT_CHECK(strcmp(vport_fw_msg_name(1000), "unknown") == 0);
	UNIT_CHECK(strcmp(vsw_vport_reject_name(VSW_REJECT_BAD_MEM),
		"bad-mem") == 0);
	UNIT_CHECK(strcmp(vsw_vport_reject_name(VSW_REJECT_MAX), "?") == 0);
}

int
main(int argc, char **argv)
{
	RTE_SET_USED(argc);
	RTE_SET_USED(argv);
	test_header_and_ids();
	test_negotiation();
	test_mem_table();
	test_log_base();
	test_vring_rules();
	test_ring_entry_limit();
	test_mem_under_live_rings();
	test_legacy_kick_enables();
	test_names();
	return unit_finish("test_vport_fw");
}
