// SPDX-License-Identifier: MIT
/*
 * Helpers shared by the PRIME tests that IGT's lib does not have: every
 * card of a driver with the name the kernel gives its device (bufinfo
 * prints it), udmabuf and dma-heap exporters, data patterns, the DMA
 * topology, a parser for debugfs' dma_buf/bufinfo, and a KMS output and
 * mode to show a framebuffer with. Every helper asserts on failure unless
 * its comment says it returns an errno.
 */
#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "igt.h"
#include "igt_dmabuf_util.h"
#include "igt_dmabuf_testdev.h"

/* dev_name() of the struct device behind a DRM char device, and its PCI address. */
static void drm_dev_names(struct drm_dev *d)
{
	char dev[PATH_MAX], path[PATH_MAX + 16], real[PATH_MAX];
	struct stat st;

	igt_assert(fstat(d->fd, &st) == 0);
	d->minor = minor(st.st_rdev);
	snprintf(path, sizeof(path), "/sys/dev/char/%u:%u/device",
		 major(st.st_rdev), minor(st.st_rdev));
	igt_assert_f(realpath(path, dev), "realpath %s: %s", path,
		     strerror(errno));
	snprintf(d->devname, sizeof(d->devname), "%s", basename(dev));

	/* A virtio device's parent is its PCI function. */
	d->pci[0] = '\0';
	snprintf(path, sizeof(path), "%s/../subsystem", dev);
	if (realpath(path, real) && !strcmp(basename(real), "pci")) {
		snprintf(path, sizeof(path), "%s/..", dev);
		if (realpath(path, real))
			snprintf(d->pci, sizeof(d->pci), "%s", basename(real));
	}
}

/* By PCI address; devices without one (vgem, vkms) first, by minor. */
static int cmp_pci(const void *a, const void *b)
{
	const struct drm_dev *x = a, *y = b;
	int c = strcmp(x->pci, y->pci);

	return c ? c : x->minor - y->minor;
}

int drm_open_all(const char *driver, struct drm_dev *devs, int max)
{
	char path[64];
	int n = 0, i;

	for (i = 0; i < 64 && n < max; i++) {
		drmVersionPtr v;
		int fd;

		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		v = drmGetVersion(fd);
		if (!v || (driver && strcmp(v->name, driver))) {
			drmFreeVersion(v);
			close(fd);
			continue;
		}
		devs[n].fd = fd;
		snprintf(devs[n].driver, sizeof(devs[n].driver), "%s", v->name);
		drmFreeVersion(v);
		drm_dev_names(&devs[n]);
		n++;
	}
	qsort(devs, n, sizeof(*devs), cmp_pci);
	return n;
}

/* Open the first @n cards of @driver into @devs, the others as missing. */
static void open_role(const char *driver, struct drm_dev *devs, int n,
		      const char *const roles[])
{
	int found = drm_open_all(driver, devs, n);

	for (int i = 0; i < n; i++) {
		if (i >= found) {
			memset(&devs[i], 0, sizeof(devs[i]));
			devs[i].fd = -1;
		}
		snprintf(devs[i].role, sizeof(devs[i].role), "%s", roles[i]);
	}
}

void drm_open_vm_devices(struct drm_dev virtio[2], struct drm_dev *vgem,
			 struct drm_dev *vkms)
{
	static const char *const virtio_roles[] = { "virtio-gpu-a", "virtio-gpu-b" };
	static const char *const vgem_role[] = { "vgem" }, *const vkms_role[] = { "vkms" };

	open_role("virtio_gpu", virtio, 2, virtio_roles);
	open_role("vgem", vgem, 1, vgem_role);
	open_role("vkms", vkms, 1, vkms_role);
}

void drm_require(const struct drm_dev *d)
{
	igt_require_f(d->fd >= 0,
		      "no %s card here (harness/vm.sh's VM has two virtio-gpu cards, vgem and vkms)\n",
		      d->role);
}

uint32_t dumb_create(int fd, size_t size, void **map, size_t *map_size)
{
	/* 32 bpp, 128 pixels wide: 512 bytes a row. */
	uint64_t created;
	uint32_t handle;

	handle = kmstest_dumb_create(fd, 128, (size + 511) / 512, 32, NULL, &created);
	*map_size = created;
	*map = kmstest_dumb_map_buffer(fd, handle, created, PROT_READ | PROT_WRITE);
	return handle;
}

int __prime_fd_to_handle(int fd, int dmabuf, uint32_t *handle)
{
	struct drm_prime_handle arg = { .fd = dmabuf };

	if (igt_ioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &arg))
		return -errno;
	*handle = arg.handle;
	return 0;
}

void udmabuf_require(void)
{
	igt_require_f(access("/dev/udmabuf", R_OK | W_OK) == 0,
		      "no /dev/udmabuf (CONFIG_UDMABUF)\n");
}

int udmabuf_create(size_t size, void **memfd_map)
{
	struct udmabuf_create create = { .flags = UDMABUF_FLAGS_CLOEXEC };
	int memfd, dev, buf;

	memfd = memfd_create("udmabuf-test", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	igt_assert_f(memfd >= 0, "memfd_create: %s", strerror(errno));
	igt_assert(ftruncate(memfd, size) == 0);
	*memfd_map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	igt_assert(*memfd_map != MAP_FAILED);
	igt_assert(fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK) == 0);

	dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	igt_assert_f(dev >= 0, "open /dev/udmabuf: %s", strerror(errno));
	create.memfd = memfd;
	create.size = size;
	buf = igt_ioctl(dev, UDMABUF_CREATE, &create);
	igt_assert_f(buf >= 0, "UDMABUF_CREATE: %s", strerror(errno));
	close(dev);
	close(memfd);
	return buf;
}

int heap_alloc(const char *heap, size_t size)
{
	struct dma_heap_allocation_data data = {
		.len = size,
		.fd_flags = O_RDWR | O_CLOEXEC,
	};
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/dev/dma_heap/%s", heap);
	fd = open(path, O_RDWR | O_CLOEXEC);
	igt_assert_f(fd >= 0, "open %s: %s", path, strerror(errno));
	do_ioctl(fd, DMA_HEAP_IOCTL_ALLOC, &data);
	close(fd);
	return data.fd;
}

void *dmabuf_mmap(int dmabuf, size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, dmabuf, 0);

	igt_assert_f(p != MAP_FAILED, "mmap dma-buf: %s", strerror(errno));
	return p;
}

void dmabuf_sync(int dmabuf, uint64_t flags)
{
	struct dma_buf_sync sync = { .flags = flags };

	do_ioctl(dmabuf, DMA_BUF_IOCTL_SYNC, &sync);
}

static uint32_t pattern_word(uint32_t seed, size_t i)
{
	/* The same pattern as the test device's exporter fills in. */
	return dma_buf_test_pattern(seed, i);
}

void pattern_fill(void *p, size_t size, uint32_t seed)
{
	uint32_t *w = p;
	size_t i;

	for (i = 0; i < size / 4; i++)
		w[i] = pattern_word(seed, i);
}

long pattern_check(const void *p, size_t size, uint32_t seed)
{
	const uint32_t *w = p;
	size_t i;

	for (i = 0; i < size / 4; i++)
		if (w[i] != pattern_word(seed, i))
			return (long)i * 4;
	return -1;
}

int dumb_export_pattern(int fd, size_t size, uint32_t seed, uint32_t *handle)
{
	size_t map_size;
	void *map;
	int dmabuf;

	*handle = dumb_create(fd, size, &map, &map_size);
	pattern_fill(map, size, seed);
	munmap(map, map_size);
	dmabuf = prime_handle_to_fd_for_mmap(fd, *handle);
	igt_assert_fd(dmabuf);
	return dmabuf;
}

int udmabuf_export_pattern(size_t size, uint32_t seed)
{
	void *map;
	int dmabuf = udmabuf_create(size, &map);

	pattern_fill(map, size, seed);
	munmap(map, size);
	return dmabuf;
}

int heap_export_pattern(const char *heap, size_t size, uint32_t seed)
{
	int dmabuf = heap_alloc(heap, size);
	void *map = dmabuf_mmap(dmabuf, size);

	dmabuf_sync(dmabuf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE);
	pattern_fill(map, size, seed);
	dmabuf_sync(dmabuf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE);
	munmap(map, size);
	return dmabuf;
}

void dmabuf_check_pattern(int dmabuf, size_t size, uint32_t seed)
{
	void *map = dmabuf_mmap(dmabuf, size);
	long bad;

	dmabuf_sync(dmabuf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
	bad = pattern_check(map, size, seed);
	dmabuf_sync(dmabuf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
	munmap(map, size);
	igt_assert_f(bad < 0, "pattern differs at byte %ld", bad);
}

ino_t fd_inode(int fd)
{
	struct stat st;

	igt_assert(fstat(fd, &st) == 0);
	return st.st_ino;
}

/* Does any IOMMU group translate (a DMA domain, not identity)? */
static bool iommu_translates(void)
{
	DIR *dir = opendir("/sys/kernel/iommu_groups");
	struct dirent *de;
	bool found = false;

	if (!dir)
		return false;
	while (!found && (de = readdir(dir))) {
		char path[PATH_MAX], type[32] = "";
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%s/type",
			 de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fscanf(f, "%31s", type) == 1)
			found = !strcmp(type, "DMA") || !strcmp(type, "DMA-FQ");
		fclose(f);
	}
	closedir(dir);
	return found;
}

enum dma_topology dma_topology(void)
{
	char cmdline[4096] = "";
	FILE *f;

	if (iommu_translates())
		return TOPO_IOMMU;
	f = fopen("/proc/cmdline", "r");
	igt_assert(f);
	if (!fgets(cmdline, sizeof(cmdline), f))
		cmdline[0] = 0;
	fclose(f);
	for (char *w = strtok(cmdline, "\n "); w; w = strtok(NULL, "\n "))
		if (!strcmp(w, "swiotlb=force"))
			return TOPO_BOUNCE;
	return TOPO_DIRECT;
}

const char *dma_topology_name(enum dma_topology t)
{
	static const char *const names[TOPO_COUNT] = { "direct", "iommu", "bounce" };

	return t < TOPO_COUNT ? names[t] : "?";
}

/*
 * bufinfo lists each buffer as a header line whose sixth tab-separated
 * field is the inode: true for a header line, with that inode in @ino.
 */
static bool bufinfo_header(const char *line, unsigned long long *ino)
{
	unsigned long long size;
	unsigned int flags, mode;
	char exp[64];
	long count;

	return sscanf(line, "%llu\t%x\t%x\t%ld\t%63s\t%llu", &size, &flags,
		      &mode, &count, exp, ino) == 6;
}

/*
 * bufinfo lists each buffer as a header line whose sixth tab-separated
 * field is the inode, then one "\t<usage> fence:<driver> ..." line per
 * fence of its reservation object.
 */
int bufinfo_count_fences(ino_t ino, const char *usage, const char *driver)
{
	char line[512], prefix[64], drv[64];
	bool in_buf = false;
	int n = 0;
	FILE *f;

	snprintf(prefix, sizeof(prefix), "\t%s fence:", usage);
	f = fopen(BUFINFO_PATH, "r");
	igt_assert_f(f, "open %s: %s", BUFINFO_PATH, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		unsigned long long lino;

		if (bufinfo_header(line, &lino)) {
			if (in_buf)
				break;
			in_buf = lino == (unsigned long long)ino;
			continue;
		}
		/* The fences come before the attachments. */
		if (!in_buf || !strcmp(line, "\tAttached Devices:\n"))
			continue;
		if (!strncmp(line, prefix, strlen(prefix)) &&
		    sscanf(line + strlen(prefix), "%63s", drv) == 1 && !strcmp(drv, driver))
			n++;
	}
	fclose(f);
	return n;
}

/*
 * bufinfo lists each buffer as a header line whose sixth tab-separated
 * field is the inode, then "\tAttached Devices:", one "\t<dev>[\t...]"
 * line per attachment, and "Total N devices attached".
 */
int bufinfo_attachments(ino_t ino, struct bufinfo_attachment *att, int max)
{
	char line[512];
	int n = -1;
	bool in_buf = false, in_list = false;
	FILE *f;

	f = fopen(BUFINFO_PATH, "r");
	igt_assert_f(f, "open %s: %s", BUFINFO_PATH, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		unsigned long long lino;

		line[strcspn(line, "\n")] = '\0';
		if (bufinfo_header(line, &lino)) {
			if (in_buf)
				break;
			in_buf = lino == (unsigned long long)ino;
			if (in_buf)
				n = 0;
			continue;
		}
		if (!in_buf)
			continue;
		if (!strcmp(line, "\tAttached Devices:")) {
			in_list = true;
			continue;
		}
		if (!strncmp(line, "Total ", 6))
			break;
		if (in_list && line[0] == '\t' && n < max) {
			char *rest = strchr(line + 1, '\t');

			if (rest)
				*rest++ = '\0';
			snprintf(att[n].dev, sizeof(att[n].dev), "%.*s",
				 (int)sizeof(att[n].dev) - 1, line + 1);
			snprintf(att[n].rest, sizeof(att[n].rest), "%s", rest ?: "");
			n++;
		}
	}
	fclose(f);
	return n;
}

void bufinfo_total(char *out, size_t size)
{
	char line[256];
	FILE *f = fopen(BUFINFO_PATH, "r");

	igt_assert_f(f, "open %s: %s", BUFINFO_PATH, strerror(errno));
	out[0] = '\0';
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "Total ", 6))
			snprintf(out, size, "%s", line);
	fclose(f);
}

void bufinfo_expect_total(const char *before)
{
	char after[128];

	for (int i = 0; i < 300; i++) {
		bufinfo_total(after, sizeof(after));
		if (!strcmp(before, after))
			return;
		usleep(10000);
	}
	igt_assert_f(!strcmp(before, after), "bufinfo: before \"%s\", after \"%s\"",
		     before, after);
}

int bufinfo_count_dev(ino_t ino, const char *devname)
{
	struct bufinfo_attachment att[MAX_ATTACHMENTS];
	int n, i, count = 0;

	n = bufinfo_attachments(ino, att, MAX_ATTACHMENTS);
	igt_assert_f(n >= 0, "dma-buf with inode %lu is not in %s",
		     (unsigned long)ino, BUFINFO_PATH);
	for (i = 0; i < n; i++)
		count += !strcmp(att[i].dev, devname);
	return count;
}

void bufinfo_wait_count_dev(ino_t ino, const char *devname, int want)
{
	int n = bufinfo_count_dev(ino, devname);

	for (int i = 0; i < 300 && n != want; i++) {
		usleep(10000);
		n = bufinfo_count_dev(ino, devname);
	}
	igt_assert_f(n == want, "%d attachments of %s to inode %lu, expected %d", n,
		     devname, (unsigned long)ino, want);
}

void bufinfo_wait_buffer_gone(ino_t ino)
{
	struct bufinfo_attachment att[1];

	for (int i = 0; i < 300 && bufinfo_attachments(ino, att, 1) >= 0; i++)
		usleep(10000);
	igt_assert_f(bufinfo_attachments(ino, att, 1) < 0,
		     "the buffer (inode %lu) is still listed in bufinfo",
		     (unsigned long)ino);
}

void bufinfo_get_dev(ino_t ino, const char *devname, struct bufinfo_attachment *out)
{
	struct bufinfo_attachment att[MAX_ATTACHMENTS];
	int n, i, found = 0;

	n = bufinfo_attachments(ino, att, MAX_ATTACHMENTS);
	igt_assert_f(n >= 0, "dma-buf with inode %lu is not in %s",
		     (unsigned long)ino, BUFINFO_PATH);
	for (i = 0; i < n; i++) {
		if (!strcmp(att[i].dev, devname)) {
			*out = att[i];
			found++;
		}
	}
	igt_assert_f(found == 1, "%d attachments of %s to inode %lu, expected 1",
		     found, devname, (unsigned long)ino);
}

const char *bufinfo_field(const struct bufinfo_attachment *att, const char *key)
{
	static char value[64];
	char rest[sizeof(att->rest)], *tok, *save;
	size_t len = strlen(key);

	snprintf(rest, sizeof(rest), "%s", att->rest);
	for (tok = strtok_r(rest, "\t", &save); tok; tok = strtok_r(NULL, "\t", &save)) {
		if (!strncmp(tok, key, len) && tok[len] == '=') {
			snprintf(value, sizeof(value), "%s", tok + len + 1);
			return value;
		}
	}
	return NULL;
}

/* The first connected connector of @fd and a CRTC that can drive it. */
void kms_find_output(int fd, uint32_t *conn_id, uint32_t *crtc_id)
{
	drmModeRes *res = drmModeGetResources(fd);

	igt_assert_f(res, "drmModeGetResources: %s", strerror(errno));
	*conn_id = 0;
	for (int i = 0; i < res->count_connectors && !*conn_id; i++) {
		drmModeConnector *c = drmModeGetConnector(fd, res->connectors[i]);
		drmModeEncoder *e;

		if (!c)
			continue;
		if (c->connection == DRM_MODE_CONNECTED && c->count_encoders) {
			e = drmModeGetEncoder(fd, c->encoders[0]);
			igt_assert(e && e->possible_crtcs);
			*conn_id = c->connector_id;
			*crtc_id = res->crtcs[ffs(e->possible_crtcs) - 1];
			drmModeFreeEncoder(e);
		}
		drmModeFreeConnector(c);
	}
	drmModeFreeResources(res);
	igt_assert_f(*conn_id, "no connected output");
}

/* A user-defined mode of @w x @h pixels at 60 Hz. */
drmModeModeInfo kms_user_mode(int w, int h)
{
	drmModeModeInfo mode = {
		.hdisplay = w, .hsync_start = w + 8, .hsync_end = w + 16, .htotal = w + 32,
		.vdisplay = h, .vsync_start = h + 2, .vsync_end = h + 4, .vtotal = h + 8,
		.vrefresh = 60, .type = DRM_MODE_TYPE_USERDEF,
	};

	mode.clock = mode.htotal * mode.vtotal * 60 / 1000;
	snprintf(mode.name, sizeof(mode.name), "%dx%d", w, h);
	return mode;
}
