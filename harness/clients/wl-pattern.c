// SPDX-License-Identifier: GPL-2.0
/*
 * A Wayland client that shows the test pattern full screen for a given
 * number of frames, in shared-memory buffers (wl_shm), and counts the
 * frames the compositor presented.
 *
 *   wl-pattern [--seed S] [--frames N] [--hold FILE]
 *
 * It asks for full screen (on the output the compositor chooses), takes
 * the size of the compositor's configure, fills two buffers of that size
 * (XRGB8888, one word per pixel: dma_buf_test_pattern() of seed S and
 * S + 1, so that consecutive frames differ) and commits them in turn, each
 * commit waiting for the frame callback of the one before, until N frame
 * callbacks came back; then it waits for the presentation feedback
 * (wp_presentation) of every commit. Prints
 *
 *   WL-PATTERN size=WxH frames=N presented=P discarded=D last-seed=L
 *              elapsed-ms=T client-cpu-ms=T
 *
 * (P commits presented on an output, D discarded, L the seed of the last
 * frame; the time the frames took and the process's CPU time over them,
 * for the record) and with --hold then keeps the last frame on screen
 * until FILE exists. Exit status: 0 shown, 1 error, 2 usage.
 *
 * Shared memory, not dma-bufs: wlroots 0.15 offers linux-dmabuf only
 * when its renderer's EGL device names a render node, and with Mesa's
 * software driver on a KMS-only card it cannot (docs/clients.md).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <wayland-client.h>
#include "xdg-shell-client-protocol.h"
#include "presentation-time-client-protocol.h"

#include "dma-buf-test-device.h"

#define NBUF 2

static void die_sys(const char *what)
{
	fprintf(stderr, "wl-pattern: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void die(const char *what)
{
	fprintf(stderr, "wl-pattern: %s\n", what);
	exit(1);
}

struct buffer {
	struct wl_buffer *wl;
	bool busy;		/* attached, not yet released */
};

static struct {
	struct wl_compositor *compositor;
	struct xdg_wm_base *wm_base;
	struct wl_shm *shm;
	struct wp_presentation *presentation;
	int32_t pending_width, pending_height;	/* of the toplevel configure */
	int32_t width, height;			/* of the acked configure */
	bool configured, frame_done;
	unsigned long presented, discarded;
	struct buffer buf[NBUF];
} c;

static void registry_global(void *data, struct wl_registry *reg, uint32_t name,
			    const char *iface, uint32_t version)
{
	if (!strcmp(iface, wl_compositor_interface.name))
		c.compositor = wl_registry_bind(reg, name, &wl_compositor_interface, 1);
	else if (!strcmp(iface, xdg_wm_base_interface.name))
		c.wm_base = wl_registry_bind(reg, name, &xdg_wm_base_interface, 1);
	else if (!strcmp(iface, wl_shm_interface.name))
		c.shm = wl_registry_bind(reg, name, &wl_shm_interface, 1);
	else if (!strcmp(iface, wp_presentation_interface.name))
		c.presentation = wl_registry_bind(reg, name, &wp_presentation_interface, 1);
}

static void registry_remove(void *data, struct wl_registry *reg, uint32_t name)
{
}

static const struct wl_registry_listener registry_listener = {
	registry_global, registry_remove,
};

static void wm_base_ping(void *data, struct xdg_wm_base *wm, uint32_t serial)
{
	xdg_wm_base_pong(wm, serial);
}

static const struct xdg_wm_base_listener wm_base_listener = { wm_base_ping };

/* A configure sequence ends here: its size takes effect with the ack. */
static void surface_configure(void *data, struct xdg_surface *s, uint32_t serial)
{
	xdg_surface_ack_configure(s, serial);
	c.width = c.pending_width;
	c.height = c.pending_height;
	c.configured = true;
}

static const struct xdg_surface_listener surface_listener = { surface_configure };

static void toplevel_configure(void *data, struct xdg_toplevel *t, int32_t w,
			       int32_t h, struct wl_array *states)
{
	c.pending_width = w;
	c.pending_height = h;
}

static void toplevel_close(void *data, struct xdg_toplevel *t)
{
}

/* Bound at version 1: no configure_bounds or wm_capabilities events. */
static const struct xdg_toplevel_listener toplevel_listener = {
	.configure = toplevel_configure, .close = toplevel_close,
};

static void buffer_release(void *data, struct wl_buffer *wl)
{
	((struct buffer *)data)->busy = false;
}

static const struct wl_buffer_listener buffer_listener = { buffer_release };

static void frame_done(void *data, struct wl_callback *cb, uint32_t time)
{
	wl_callback_destroy(cb);
	c.frame_done = true;
}

static const struct wl_callback_listener frame_listener = { frame_done };

static void feedback_sync_output(void *data, struct wp_presentation_feedback *fb,
				 struct wl_output *output)
{
}

static void feedback_presented(void *data, struct wp_presentation_feedback *fb,
			       uint32_t tv_sec_hi, uint32_t tv_sec_lo, uint32_t tv_nsec,
			       uint32_t refresh, uint32_t seq_hi, uint32_t seq_lo,
			       uint32_t flags)
{
	wp_presentation_feedback_destroy(fb);
	c.presented++;
}

static void feedback_discarded(void *data, struct wp_presentation_feedback *fb)
{
	wp_presentation_feedback_destroy(fb);
	c.discarded++;
}

static const struct wp_presentation_feedback_listener feedback_listener = {
	feedback_sync_output, feedback_presented, feedback_discarded,
};

/* n buffers of w x h, buffer i holding pattern seed + i, in one pool. */
static void buffers_init(struct buffer *buf, int n, int32_t w, int32_t h, uint32_t seed)
{
	int32_t stride = w * 4, x, y, i;
	size_t size = (size_t)stride * h;
	struct wl_shm_pool *pool;
	uint32_t *map;
	int fd;

	fd = memfd_create("wl-pattern", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, size * n))
		die_sys("memfd");
	map = mmap(NULL, size * n, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		die_sys("mmap of the memfd");
	for (i = 0; i < n; i++)
		for (y = 0; y < h; y++)
			for (x = 0; x < w; x++)
				map[(size_t)(i * h + y) * w + x] =
					dma_buf_test_pattern(seed + i, (uint64_t)y * w + x);
	munmap(map, size * n);
	pool = wl_shm_create_pool(c.shm, fd, size * n);
	for (i = 0; i < n; i++) {
		buf[i].wl = wl_shm_pool_create_buffer(pool, size * i, w, h, stride,
						      WL_SHM_FORMAT_XRGB8888);
		buf[i].busy = false;
		wl_buffer_add_listener(buf[i].wl, &buffer_listener, &buf[i]);
	}
	wl_shm_pool_destroy(pool);
	close(fd);
}

static double clock_ms(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void roundtrip(struct wl_display *dpy)
{
	if (wl_display_roundtrip(dpy) < 0)
		die("lost the compositor");
}

int main(int argc, char **argv)
{
	const char *hold = NULL;
	unsigned long frames = 600, shown = 0;
	uint32_t seed = 1;
	struct wl_display *dpy;
	struct wl_surface *surface;
	struct xdg_surface *xsurface;
	struct xdg_toplevel *toplevel;
	struct wp_presentation_feedback *feedback;
	struct buffer placeholder = { NULL, false };
	int32_t width, height;	/* of the buffers */
	double cpu0, time0;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--frames") && i + 1 < argc)
			frames = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--hold") && i + 1 < argc)
			hold = argv[++i];
		else
			break;
	}
	if (i < argc || !frames) {
		fprintf(stderr, "usage: wl-pattern [--seed S] [--frames N] [--hold FILE]\n");
		return 2;
	}

	dpy = wl_display_connect(NULL);
	if (!dpy)
		die_sys("connecting to the compositor");
	wl_registry_add_listener(wl_display_get_registry(dpy), &registry_listener, NULL);
	roundtrip(dpy);
	if (!c.compositor || !c.wm_base || !c.shm || !c.presentation)
		die("the compositor lacks wl_compositor, xdg_wm_base, wl_shm or wp_presentation");
	xdg_wm_base_add_listener(c.wm_base, &wm_base_listener, NULL);

	surface = wl_compositor_create_surface(c.compositor);
	xsurface = xdg_wm_base_get_xdg_surface(c.wm_base, surface);
	xdg_surface_add_listener(xsurface, &surface_listener, NULL);
	toplevel = xdg_surface_get_toplevel(xsurface);
	xdg_toplevel_add_listener(toplevel, &toplevel_listener, NULL);
	xdg_toplevel_set_app_id(toplevel, "wl-pattern");
	xdg_toplevel_set_fullscreen(toplevel, NULL);
	wl_surface_commit(surface);
	while (!c.configured)
		if (wl_display_dispatch(dpy) < 0)
			die("lost the compositor before its configure");
	if (c.width <= 0 || c.height <= 0) {
		/*
		 * The compositor sizes the window once it is shown (sway
		 * does): show a small placeholder until it says the size.
		 */
		buffers_init(&placeholder, 1, 16, 16, seed);
		wl_surface_attach(surface, placeholder.wl, 0, 0);
		wl_surface_commit(surface);
		while (c.width <= 0 || c.height <= 0)
			if (wl_display_dispatch(dpy) < 0)
				die("lost the compositor before a sized configure");
	}
	width = c.width;
	height = c.height;
	buffers_init(c.buf, NBUF, width, height, seed);

	cpu0 = clock_ms(CLOCK_PROCESS_CPUTIME_ID);
	time0 = clock_ms(CLOCK_MONOTONIC);
	for (shown = 0; shown < frames; shown++) {
		struct buffer *b = &c.buf[shown % NBUF];

		while (b->busy)
			if (wl_display_dispatch(dpy) < 0)
				die("lost the compositor waiting for a release");
		wl_surface_attach(surface, b->wl, 0, 0);
		wl_surface_damage(surface, 0, 0, width, height);
		wl_callback_add_listener(wl_surface_frame(surface), &frame_listener, NULL);
		feedback = wp_presentation_feedback(c.presentation, surface);
		wp_presentation_feedback_add_listener(feedback, &feedback_listener, NULL);
		b->busy = true;
		c.frame_done = false;
		wl_surface_commit(surface);
		while (!c.frame_done)
			if (wl_display_dispatch(dpy) < 0)
				die("lost the compositor waiting for a frame");
		if (placeholder.wl) {
			wl_buffer_destroy(placeholder.wl);
			placeholder.wl = NULL;
		}
	}
	/* Each commit ends presented or discarded. */
	while (c.presented + c.discarded < frames)
		if (wl_display_dispatch(dpy) < 0)
			die("lost the compositor waiting for presentation feedback");
	printf("WL-PATTERN size=%dx%d frames=%lu presented=%lu discarded=%lu last-seed=%lu elapsed-ms=%.0f client-cpu-ms=%.1f\n",
	       width, height, shown, c.presented, c.discarded,
	       (unsigned long)seed + (frames - 1) % NBUF,
	       clock_ms(CLOCK_MONOTONIC) - time0, clock_ms(CLOCK_PROCESS_CPUTIME_ID) - cpu0);
	fflush(stdout);

	/* Keep the last frame on screen, answering pings, until told. */
	while (hold && access(hold, F_OK)) {
		struct pollfd pfd = { wl_display_get_fd(dpy), POLLIN, 0 };

		wl_display_flush(dpy);
		if (poll(&pfd, 1, 100) > 0 && wl_display_dispatch(dpy) < 0)
			die("lost the compositor while holding");
	}

	xdg_toplevel_destroy(toplevel);
	xdg_surface_destroy(xsurface);
	wl_surface_destroy(surface);
	for (i = 0; i < NBUF; i++)
		wl_buffer_destroy(c.buf[i].wl);
	wl_display_flush(dpy);
	wl_display_disconnect(dpy);
	return 0;
}
