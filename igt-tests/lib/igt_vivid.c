// SPDX-License-Identifier: MIT
/*
 * vivid as a dma-buf importer. vivid's webcam input only offers frames of
 * 320x180 and more, far more than one page; its HDMI input has a scaler,
 * so a 32x32 XBGR32 frame is exactly one page, and a single page is
 * always DMA-contiguous, which videobuf2-dma-contig requires of imports.
 */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/videodev2.h>

#include "drmtest.h"
#include "ioctl_wrappers.h"
#include "igt_core.h"
#include "igt_dmabuf_util.h"
#include "igt_vivid.h"

/* vivid's private controls (drivers/media/test-drivers/vivid/vivid-ctrls.c). */
#define VIVID_CID_VIVID_BASE (0x00f00000 | 0xf000)
#define VIVID_CID_TEST_PATTERN (VIVID_CID_VIVID_BASE + 0)
#define VIVID_CID_OSD_TEXT_MODE (VIVID_CID_VIVID_BASE + 1)
#define TPG_PAT_RED 7		/* "100% Red" */
#define OSD_TEXT_NONE 2

static void set_ctrl(int fd, uint32_t id, int32_t value)
{
	struct v4l2_control c = { .id = id, .value = value };

	do_ioctl(fd, VIDIOC_S_CTRL, &c);
}

static int select_hdmi_input(int fd)
{
	struct v4l2_input in;

	for (in.index = 0; igt_ioctl(fd, VIDIOC_ENUMINPUT, &in) == 0; in.index++) {
		if (strstr((const char *)in.name, "HDMI")) {
			int index = in.index;

			do_ioctl(fd, VIDIOC_S_INPUT, &index);
			return 0;
		}
	}
	return -ENOENT;
}

/* The video capture node of vivid instance @inst, or -1. */
static int open_capture(int inst)
{
	struct v4l2_capability cap;
	char path[64], bus[32];
	int i, fd;

	/* bus_info is "platform:vivid-000" for the platform device vivid.0. */
	snprintf(bus, sizeof(bus), "platform:vivid-%03d", inst);
	for (i = 0; i < 64; i++) {
		snprintf(path, sizeof(path), "/dev/video%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (igt_ioctl(fd, VIDIOC_QUERYCAP, &cap) == 0 &&
		    !strcmp((const char *)cap.driver, "vivid") &&
		    !strcmp((const char *)cap.bus_info, bus) &&
		    (cap.device_caps & V4L2_CAP_VIDEO_CAPTURE))
			return fd;
		close(fd);
	}
	return -1;
}

/* The HDMI input, scaled to a @width x @height XBGR32 frame. */
static void set_frame(int fd, unsigned int width, unsigned int height)
{
	struct v4l2_format fmt = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };

	igt_assert_f(select_hdmi_input(fd) == 0, "vivid has no HDMI input");
	fmt.fmt.pix.width = width;
	fmt.fmt.pix.height = height;
	fmt.fmt.pix.pixelformat = V4L2_PIX_FMT_XBGR32;
	fmt.fmt.pix.field = V4L2_FIELD_NONE;
	do_ioctl(fd, VIDIOC_S_FMT, &fmt);
	igt_assert_eq(fmt.fmt.pix.width, width);
	igt_assert_eq(fmt.fmt.pix.height, height);
	igt_assert_eq(fmt.fmt.pix.pixelformat, V4L2_PIX_FMT_XBGR32);
	igt_assert_eq(fmt.fmt.pix.sizeimage, width * height * 4);
}

void vivid_require(int inst)
{
	int fd = open_capture(inst);

	igt_require_f(fd >= 0, "no video capture node of vivid instance %d "
		      "(CONFIG_VIDEO_VIVID, vivid.n_devs=2 vivid.allocators=1,0)\n", inst);
	close(fd);
}

bool vivid_open(struct vivid *v)
{
	v->fd = open_capture(0);
	if (v->fd < 0)
		return false;
	snprintf(v->devname, sizeof(v->devname), "vivid.0");

	set_frame(v->fd, VIVID_WIDTH, VIVID_HEIGHT);
	set_ctrl(v->fd, VIVID_CID_TEST_PATTERN, TPG_PAT_RED);
	set_ctrl(v->fd, VIVID_CID_OSD_TEXT_MODE, OSD_TEXT_NONE);
	return true;
}

static void request_buffers(struct vivid *v, unsigned int count)
{
	struct v4l2_requestbuffers req = {
		.count = count,
		.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.memory = V4L2_MEMORY_DMABUF,
	};

	do_ioctl(v->fd, VIDIOC_REQBUFS, &req);
	if (count)
		igt_assert_lte(1, req.count);
}

int vivid_queue(struct vivid *v, int dmabuf)
{
	struct v4l2_buffer buf = {
		.index = 0,
		.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.memory = V4L2_MEMORY_DMABUF,
		.m.fd = dmabuf,
		.length = VIVID_FRAME_SIZE,
	};

	/* The format is the device's: an export may have changed it. */
	set_frame(v->fd, VIVID_WIDTH, VIVID_HEIGHT);
	request_buffers(v, 1);
	if (igt_ioctl(v->fd, VIDIOC_QBUF, &buf))
		return -errno;
	return 0;
}

void vivid_capture(struct vivid *v)
{
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	struct v4l2_buffer buf = {
		.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.memory = V4L2_MEMORY_DMABUF,
	};
	struct pollfd pfd = { .fd = v->fd, .events = POLLIN };

	do_ioctl(v->fd, VIDIOC_STREAMON, &type);
	/* vivid streams at the frame rate of its HDMI timings: well under 10 s. */
	igt_assert_f(poll(&pfd, 1, 10000) == 1, "no frame from vivid in 10 s");
	do_ioctl(v->fd, VIDIOC_DQBUF, &buf);
	igt_assert_f(!(buf.flags & V4L2_BUF_FLAG_ERROR), "vivid flagged the frame as bad");
	igt_assert_eq(buf.bytesused, VIVID_FRAME_SIZE);
	do_ioctl(v->fd, VIDIOC_STREAMOFF, &type);
	vivid_release(v);
}

void vivid_release(struct vivid *v)
{
	request_buffers(v, 0);
}

/* @count MMAP capture buffers on @fd (0 frees them): 0 or -errno. */
static int request_mmap(int fd, unsigned int count)
{
	struct v4l2_requestbuffers req = {
		.count = count,
		.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.memory = V4L2_MEMORY_MMAP,
	};

	if (igt_ioctl(fd, VIDIOC_REQBUFS, &req))
		return -errno;
	if (count)
		igt_assert_lte(1, req.count);
	return 0;
}

/* MMAP capture buffer 0 of @fd, as VIDIOC_QUERYBUF describes it. */
static struct v4l2_buffer query_buffer0(int fd)
{
	struct v4l2_buffer buf = {
		.index = 0,
		.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.memory = V4L2_MEMORY_MMAP,
	};

	do_ioctl(fd, VIDIOC_QUERYBUF, &buf);
	return buf;
}

int vivid_open_mmap(int inst, size_t size)
{
	unsigned int side = 32;
	int fd, err;

	while ((size_t)side * side * 4 < size)
		side *= 2;
	igt_assert_f((size_t)side * side * 4 == size,
		     "a vivid frame cannot be %zu bytes", size);
	vivid_require(inst);
	fd = open_capture(inst);
	igt_assert_f(fd >= 0, "no capture node of vivid instance %d", inst);
	set_frame(fd, side, side);
	err = request_mmap(fd, 1);
	if (err) {
		close(fd);
		return err;
	}
	igt_assert_eq(query_buffer0(fd).length, size);
	return fd;
}

int vivid_expbuf(int fd)
{
	struct v4l2_exportbuffer exp = {
		.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.index = 0,
		.flags = O_RDWR | O_CLOEXEC,
	};

	if (igt_ioctl(fd, VIDIOC_EXPBUF, &exp))
		return -errno;
	return exp.fd;
}

int vivid_export_pattern(int inst, size_t size, uint32_t seed)
{
	int fd = vivid_open_mmap(inst, size), dmabuf;
	void *map;

	igt_assert_f(fd >= 0, "vivid instance %d: no %zu-byte capture buffer: %s",
		     inst, size, strerror(-fd));
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		   query_buffer0(fd).m.offset);
	igt_assert(map != MAP_FAILED);
	pattern_fill(map, size, seed);
	munmap(map, size);
	dmabuf = vivid_expbuf(fd);
	igt_assert_f(dmabuf >= 0, "VIDIOC_EXPBUF: %s", strerror(-dmabuf));
	/* The dma-buf holds the buffer; the queue and the node can go. */
	igt_assert_eq(request_mmap(fd, 0), 0);
	close(fd);
	return dmabuf;
}

long vivid_check_red(const void *frame)
{
	const uint8_t *p = frame;
	long i;

	/* XBGR32 is B, G, R, X in memory; 100% red is R = 0xff, G = B = 0. */
	for (i = 0; i < VIVID_WIDTH * VIVID_HEIGHT; i++)
		if (p[4 * i] != 0 || p[4 * i + 1] != 0 || p[4 * i + 2] != 0xff)
			return i * 4;
	return -1;
}
