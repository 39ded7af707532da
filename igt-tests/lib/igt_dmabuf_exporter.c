// SPDX-License-Identifier: MIT
#include <fcntl.h>
#include <unistd.h>

#include "igt.h"
#include "igt_dmabuf_exporter.h"
#include "igt_dmabuf_testdev.h"
#include "igt_vivid.h"

void source_require(const struct dmabuf_source *s)
{
	char path[64];
	int td;

	switch (s->kind) {
	case EXP_DUMB:
		drm_require(s->dev);
		break;
	case EXP_UDMABUF:
		udmabuf_require();
		break;
	case EXP_HEAP:
		snprintf(path, sizeof(path), "/dev/dma_heap/%s", s->heap);
		igt_require_f(access(path, R_OK) == 0, "no dma-heap %s\n", path);
		break;
	case EXP_VIVID:
		vivid_require(s->vivid);
		break;
	case EXP_TESTDEV:
		td = testdev_open();
		close(td);
		break;
	}
}

struct dmabuf_buffer source_export(const struct dmabuf_source *s, size_t size,
				   uint32_t seed)
{
	struct dmabuf_buffer b = { .fd = -1 };

	switch (s->kind) {
	case EXP_DUMB:
		b.fd = drm_reopen_driver(s->dev->fd);
		b.dmabuf = dumb_export_pattern(b.fd, size, seed, &b.handle);
		break;
	case EXP_UDMABUF:
		b.dmabuf = udmabuf_export_pattern(size, seed);
		break;
	case EXP_HEAP:
		b.dmabuf = heap_export_pattern(s->heap, size, seed);
		break;
	case EXP_VIVID:
		b.dmabuf = vivid_export_pattern(s->vivid, size, seed);
		break;
	case EXP_TESTDEV:
		b.fd = testdev_open();
		b.dmabuf = testdev_export(b.fd, size, s->offers, seed, s->flags);
		break;
	default:
		igt_assert_f(0, "unknown exporter kind %d", s->kind);
	}
	b.ino = fd_inode(b.dmabuf);
	return b;
}

void buffer_release(struct dmabuf_buffer *b)
{
	close(b->dmabuf);
	if (b->fd >= 0) {
		if (b->handle)
			gem_close(b->fd, b->handle);
		close(b->fd);
	}
	b->dmabuf = -1;
	b->fd = -1;
	b->handle = 0;
}

bool source_offers_pal_only(const struct dmabuf_source *s)
{
	return s->kind == EXP_TESTDEV && s->offers == DMA_BUF_TEST_OFFER_PAL;
}

bool source_serves_pal(const struct dmabuf_source *s)
{
	switch (s->kind) {
	case EXP_UDMABUF:
	case EXP_HEAP:
	case EXP_TESTDEV:
		return true;
	case EXP_DUMB:
	case EXP_VIVID:
		break;
	}
	return false;
}
