// SPDX-License-Identifier: GPL-2.0
/*
 * Mesa importing a foreign dma-buf: EGL_EXT_image_dma_buf_import on the GBM
 * device of a KMS card, through whatever driver Mesa picks for it (its
 * software driver, kms_swrast, on a virtio-gpu card without 3D), then the
 * imported image drawn full screen and scanned out on that card.
 *
 *   egl-import --card /dev/dri/cardN --source udmabuf|/dev/dri/cardM
 *              [--seed S] [--hold FILE]
 *
 * The source buffer is the size of the card's preferred mode, XRGB8888,
 * holding the test pattern (dma_buf_test_pattern(), one word per pixel),
 * from udmabuf or a dumb buffer of another DRM device (vgem, the other
 * card). The drawn frame is read back with glReadPixels and compared with
 * the pattern; the same frame is set on the card's CRTC, so that a screen
 * dump of the card can be compared too. Prints
 *
 *   EGL-IMPORT source=S size=WxH dmabuf-ino=I readback=match|mismatch N
 *              import-cpu-ms=T draw-cpu-ms=T
 *
 * (the process's CPU time for eglCreateImageKHR, and for binding, drawing
 * and reading back the image: figures for the record, not judged)
 * or, when Mesa refuses the import (as on 6.12, where virtio-gpu imports
 * no foreign buffer),
 *
 *   EGL-IMPORT source=S size=WxH refused <EGL error>
 *
 * and with --hold waits, still scanning out, until FILE exists. Exit
 * status: 0 drawn and matching, 1 error, 2 usage, 3 import refused,
 * 4 drawn but the read-back differs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/udmabuf.h>
#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>
#include <gbm.h>
#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <GLES2/gl2.h>
#include <GLES2/gl2ext.h>

#include "dma-buf-test-device.h"

/* A failed call that sets errno. */
static void die_sys(const char *what)
{
	fprintf(stderr, "egl-import: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* A failure errno says nothing of (EGL, GL, GBM). */
static void die(const char *what)
{
	fprintf(stderr, "egl-import: %s failed\n", what);
	exit(1);
}

struct source {
	int dmabuf;
	uint32_t stride;
	int fd;			/* the exporting DRM device, or -1 */
	uint32_t handle;
	int memfd;
};

static void fill(void *map, uint32_t stride, int w, int h, uint32_t seed)
{
	int x, y;

	for (y = 0; y < h; y++) {
		uint32_t *row = (uint32_t *)((char *)map + (size_t)y * stride);

		for (x = 0; x < w; x++)
			row[x] = dma_buf_test_pattern(seed, (uint64_t)y * w + x);
	}
}

static void source_udmabuf(struct source *s, int w, int h, uint32_t seed)
{
	struct udmabuf_create create = { 0 };
	size_t size;
	void *map;
	int dev;

	s->stride = w * 4;
	size = ((size_t)s->stride * h + 4095) & ~(size_t)4095;
	s->memfd = memfd_create("egl-import", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (s->memfd < 0 || ftruncate(s->memfd, size) ||
	    fcntl(s->memfd, F_ADD_SEALS, F_SEAL_SHRINK))
		die_sys("memfd");
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, s->memfd, 0);
	if (map == MAP_FAILED)
		die_sys("mmap of the memfd");
	fill(map, s->stride, w, h, seed);
	munmap(map, size);
	dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	if (dev < 0)
		die_sys("/dev/udmabuf");
	create.memfd = s->memfd;
	create.flags = UDMABUF_FLAGS_CLOEXEC;
	create.size = size;
	s->dmabuf = ioctl(dev, UDMABUF_CREATE, &create);
	if (s->dmabuf < 0)
		die_sys("UDMABUF_CREATE");
	close(dev);
}

static void source_dumb(struct source *s, const char *path, int w, int h, uint32_t seed)
{
	struct drm_mode_create_dumb create = { .width = w, .height = h, .bpp = 32 };
	struct drm_mode_map_dumb map_dumb = { 0 };
	void *map;

	s->fd = open(path, O_RDWR | O_CLOEXEC);
	if (s->fd < 0)
		die_sys(path);
	if (drmIoctl(s->fd, DRM_IOCTL_MODE_CREATE_DUMB, &create))
		die_sys("CREATE_DUMB on the source device");
	s->handle = create.handle;
	s->stride = create.pitch;
	map_dumb.handle = create.handle;
	if (drmIoctl(s->fd, DRM_IOCTL_MODE_MAP_DUMB, &map_dumb))
		die_sys("MAP_DUMB on the source device");
	map = mmap(NULL, create.size, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd,
		   map_dumb.offset);
	if (map == MAP_FAILED)
		die_sys("mmap of the source buffer");
	fill(map, s->stride, w, h, seed);
	munmap(map, create.size);
	if (drmPrimeHandleToFD(s->fd, s->handle, DRM_CLOEXEC | DRM_RDWR, &s->dmabuf))
		die_sys("PRIME export of the source buffer");
}

/* The process's CPU time in milliseconds. */
static double cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static GLuint shader(GLenum type, const char *src)
{
	GLuint s = glCreateShader(type);
	GLint ok;

	glShaderSource(s, 1, &src, NULL);
	glCompileShader(s);
	glGetShaderiv(s, GL_COMPILE_STATUS, &ok);
	if (!ok)
		die("compiling a shader");
	return s;
}

static const char *vs_src =
	"attribute vec2 pos;\n"
	"varying vec2 tc;\n"
	"void main() {\n"
	"	/* Row 0 of the image is the top of the screen. */\n"
	"	tc = vec2(pos.x + 1.0, 1.0 - pos.y) * 0.5;\n"
	"	gl_Position = vec4(pos, 0.0, 1.0);\n"
	"}\n";

static const char *fs_src =
	"precision mediump float;\n"
	"uniform sampler2D tex;\n"
	"varying vec2 tc;\n"
	"void main() { gl_FragColor = texture2D(tex, tc); }\n";

int main(int argc, char **argv)
{
	const char *card = NULL, *from = NULL, *hold = NULL;
	static const GLfloat quad[] = { -1, -1, 1, -1, -1, 1, 1, 1 };
	struct source src = { .dmabuf = -1, .fd = -1, .memfd = -1 };
	PFNGLEGLIMAGETARGETTEXTURE2DOESPROC image_target;
	PFNEGLGETPLATFORMDISPLAYEXTPROC get_display;
	PFNEGLCREATEIMAGEKHRPROC create_image;
	PFNEGLDESTROYIMAGEKHRPROC destroy_image;
	drmModeConnector *conn = NULL;
	drmModeModeInfo mode;
	EGLint n, visual, major, minor;
	EGLConfig configs[64], config = NULL;
	struct gbm_surface *gs;
	struct gbm_device *gbm;
	struct gbm_bo *bo;
	drmModeRes *res;
	EGLDisplay dpy;
	EGLContext ctx;
	EGLSurface surf;
	EGLImageKHR image;
	uint32_t seed = 1, fb, crtc = 0, *pixels;
	unsigned long bad = 0;
	double t0, t_import, t_draw;
	struct stat sb;
	GLuint prog, tex;
	int fd, i, w, h, x, y;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--card") && i + 1 < argc)
			card = argv[++i];
		else if (!strcmp(argv[i], "--source") && i + 1 < argc)
			from = argv[++i];
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--hold") && i + 1 < argc)
			hold = argv[++i];
		else
			break;
	}
	if (i < argc || !card || !from) {
		fprintf(stderr, "usage: egl-import --card /dev/dri/cardN --source udmabuf|/dev/dri/cardM [--seed S] [--hold FILE]\n");
		return 2;
	}

	/* The card's first connected connector, its preferred mode, a CRTC. */
	fd = open(card, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die_sys(card);
	res = drmModeGetResources(fd);
	if (!res)
		die_sys("drmModeGetResources");
	for (i = 0; i < res->count_connectors && !conn; i++) {
		conn = drmModeGetConnector(fd, res->connectors[i]);
		if (conn && (conn->connection != DRM_MODE_CONNECTED || !conn->count_modes)) {
			drmModeFreeConnector(conn);
			conn = NULL;
		}
	}
	if (!conn || !res->count_crtcs)
		die("no connected connector");
	mode = conn->modes[0];
	for (i = 0; i < conn->count_modes; i++)
		if (conn->modes[i].type & DRM_MODE_TYPE_PREFERRED)
			mode = conn->modes[i];
	crtc = res->crtcs[0];
	w = mode.hdisplay;
	h = mode.vdisplay;

	if (!strcmp(from, "udmabuf"))
		source_udmabuf(&src, w, h, seed);
	else
		source_dumb(&src, from, w, h, seed);
	if (fstat(src.dmabuf, &sb))
		die_sys("fstat of the dma-buf");

	gbm = gbm_create_device(fd);
	if (!gbm)
		die("gbm_create_device");
	get_display = (void *)eglGetProcAddress("eglGetPlatformDisplayEXT");
	create_image = (void *)eglGetProcAddress("eglCreateImageKHR");
	destroy_image = (void *)eglGetProcAddress("eglDestroyImageKHR");
	image_target = (void *)eglGetProcAddress("glEGLImageTargetTexture2DOES");
	if (!get_display || !create_image || !destroy_image || !image_target)
		die("EGL lacks the platform or image extensions");
	dpy = get_display(EGL_PLATFORM_GBM_KHR, gbm, NULL);
	if (dpy == EGL_NO_DISPLAY || !eglInitialize(dpy, &major, &minor))
		die("eglInitialize");
	if (!strstr(eglQueryString(dpy, EGL_EXTENSIONS), "EGL_EXT_image_dma_buf_import"))
		die("no EGL_EXT_image_dma_buf_import");
	eglBindAPI(EGL_OPENGL_ES_API);
	{
		static const EGLint attrs[] = {
			EGL_SURFACE_TYPE, EGL_WINDOW_BIT, EGL_RED_SIZE, 8,
			EGL_GREEN_SIZE, 8, EGL_BLUE_SIZE, 8,
			EGL_RENDERABLE_TYPE, EGL_OPENGL_ES2_BIT, EGL_NONE
		};

		if (!eglChooseConfig(dpy, attrs, configs, 64, &n))
			die("eglChooseConfig");
		for (i = 0; i < n && !config; i++)
			if (eglGetConfigAttrib(dpy, configs[i], EGL_NATIVE_VISUAL_ID, &visual) &&
			    visual == GBM_FORMAT_XRGB8888)
				config = configs[i];
		if (!config)
			die("no XRGB8888 EGL config");
	}
	{
		static const EGLint attrs[] = { EGL_CONTEXT_CLIENT_VERSION, 2, EGL_NONE };

		ctx = eglCreateContext(dpy, config, EGL_NO_CONTEXT, attrs);
	}
	gs = gbm_surface_create(gbm, w, h, GBM_FORMAT_XRGB8888,
				GBM_BO_USE_SCANOUT | GBM_BO_USE_RENDERING);
	if (ctx == EGL_NO_CONTEXT || !gs)
		die("EGL context or GBM surface");
	surf = eglCreateWindowSurface(dpy, config, (EGLNativeWindowType)gs, NULL);
	if (surf == EGL_NO_SURFACE || !eglMakeCurrent(dpy, surf, surf, ctx))
		die("EGL window surface");

	{
		const EGLint attrs[] = {
			EGL_WIDTH, w, EGL_HEIGHT, h,
			EGL_LINUX_DRM_FOURCC_EXT, DRM_FORMAT_XRGB8888,
			EGL_DMA_BUF_PLANE0_FD_EXT, src.dmabuf,
			EGL_DMA_BUF_PLANE0_OFFSET_EXT, 0,
			EGL_DMA_BUF_PLANE0_PITCH_EXT, (EGLint)src.stride,
			EGL_NONE
		};

		t0 = cpu_ms();
		image = create_image(dpy, EGL_NO_CONTEXT, EGL_LINUX_DMA_BUF_EXT, NULL, attrs);
		t_import = cpu_ms() - t0;
	}
	if (image == EGL_NO_IMAGE_KHR) {
		printf("EGL-IMPORT source=%s size=%dx%d refused EGL error 0x%x import-cpu-ms=%.1f\n",
		       from, w, h, eglGetError(), t_import);
		return 3;
	}

	t0 = cpu_ms();
	glGenTextures(1, &tex);
	glBindTexture(GL_TEXTURE_2D, tex);
	image_target(GL_TEXTURE_2D, image);
	glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
	glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
	glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
	glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
	prog = glCreateProgram();
	glAttachShader(prog, shader(GL_VERTEX_SHADER, vs_src));
	glAttachShader(prog, shader(GL_FRAGMENT_SHADER, fs_src));
	glBindAttribLocation(prog, 0, "pos");
	glLinkProgram(prog);
	{
		GLint linked;

		glGetProgramiv(prog, GL_LINK_STATUS, &linked);
		if (!linked)
			die("linking the shaders");
	}
	glUseProgram(prog);
	glUniform1i(glGetUniformLocation(prog, "tex"), 0);
	glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 0, quad);
	glEnableVertexAttribArray(0);
	glViewport(0, 0, w, h);
	glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
	if (glGetError() != GL_NO_ERROR)
		die("drawing the imported image");

	/* GL's rows run bottom up: row h - 1 - y is the screen's row y. */
	pixels = malloc((size_t)w * h * 4);
	if (!pixels)
		die_sys("malloc");
	glReadPixels(0, 0, w, h, GL_RGBA, GL_UNSIGNED_BYTE, pixels);
	for (y = 0; y < h; y++) {
		for (x = 0; x < w; x++) {
			uint32_t want = dma_buf_test_pattern(seed, (uint64_t)y * w + x);
			const uint8_t *p = (const uint8_t *)&pixels[(size_t)(h - 1 - y) * w + x];

			if (p[0] != ((want >> 16) & 0xff) || p[1] != ((want >> 8) & 0xff) ||
			    p[2] != (want & 0xff))
				bad++;
		}
	}
	free(pixels);
	t_draw = cpu_ms() - t0;

	if (!eglSwapBuffers(dpy, surf))
		die("eglSwapBuffers");
	bo = gbm_surface_lock_front_buffer(gs);
	if (!bo)
		die("gbm_surface_lock_front_buffer");
	{
		uint32_t handles[4] = { gbm_bo_get_handle(bo).u32 };
		uint32_t pitches[4] = { gbm_bo_get_stride(bo) }, offsets[4] = { 0 };

		if (drmModeAddFB2(fd, w, h, DRM_FORMAT_XRGB8888, handles, pitches,
				  offsets, &fb, 0))
			die_sys("drmModeAddFB2");
	}
	if (drmModeSetCrtc(fd, crtc, fb, 0, 0, &conn->connector_id, 1, &mode))
		die_sys("drmModeSetCrtc");

	printf("EGL-IMPORT source=%s size=%dx%d dmabuf-ino=%lu readback=%s %lu import-cpu-ms=%.1f draw-cpu-ms=%.1f\n",
	       from, w, h, (unsigned long)sb.st_ino, bad ? "mismatch" : "match", bad,
	       t_import, t_draw);
	fflush(stdout);
	while (hold && stat(hold, &sb))
		usleep(100000);

	drmModeSetCrtc(fd, crtc, 0, 0, 0, NULL, 0, NULL);
	drmModeRmFB(fd, fb);
	gbm_surface_release_buffer(gs, bo);
	glDeleteTextures(1, &tex);
	destroy_image(dpy, image);
	eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
	eglDestroySurface(dpy, surf);
	eglDestroyContext(dpy, ctx);
	eglTerminate(dpy);
	gbm_surface_destroy(gs);
	gbm_device_destroy(gbm);
	close(src.dmabuf);
	if (src.fd >= 0) {
		struct drm_mode_destroy_dumb destroy = { .handle = src.handle };

		drmIoctl(src.fd, DRM_IOCTL_MODE_DESTROY_DUMB, &destroy);
		close(src.fd);
	}
	if (src.memfd >= 0)
		close(src.memfd);
	drmModeFreeConnector(conn);
	drmModeFreeResources(res);
	close(fd);
	return bad ? 4 : 0;
}
