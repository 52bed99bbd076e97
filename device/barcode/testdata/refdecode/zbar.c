// zbar reads PGM (P5) frames from stdin and, for each, prints the time
// libzbar took on the luma plane and what it read:
//   <nanoseconds> <count>\n then <count> lines "<FORMAT>\t<hex text>\n".
// BenchmarkCorpus (../../corpus_bench_test.go) builds and drives it; it is
// never part of the app.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zbar.h>

static int header(int *w, int *h) {
	int maxval;
	if (scanf(" P5 %d %d %d", w, h, &maxval) != 3) return 0;
	getchar(); // the one whitespace byte before the pixels
	return *w > 0 && *h > 0 && maxval == 255;
}

int main(void) {
	zbar_image_scanner_t *scanner = zbar_image_scanner_create();
	// The symbologies Intake Bench reads, and no others: a reader is not
	// charged with wrong reads of codes nobody asked it for. (ZBar reads no
	// Data Matrix.)
	zbar_image_scanner_set_config(scanner, ZBAR_NONE, ZBAR_CFG_ENABLE, 0);
	zbar_symbol_type_t want[] = {ZBAR_EAN13, ZBAR_UPCA, ZBAR_CODE128, ZBAR_QRCODE};
	for (unsigned i = 0; i < sizeof want / sizeof want[0]; i++)
		zbar_image_scanner_set_config(scanner, want[i], ZBAR_CFG_ENABLE, 1);
	int w, h;
	while (header(&w, &h)) {
		unsigned char *pix = malloc((size_t)w * h);
		if (fread(pix, 1, (size_t)w * h, stdin) != (size_t)w * h) return 1;
		zbar_image_t *img = zbar_image_create();
		zbar_image_set_format(img, zbar_fourcc('Y', '8', '0', '0'));
		zbar_image_set_size(img, w, h);
		zbar_image_set_data(img, pix, (unsigned long)w * h, zbar_image_free_data);
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		int n = zbar_scan_image(scanner, img);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		long long ns = (t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
		printf("%lld %d\n", ns, n < 0 ? 0 : n);
		for (const zbar_symbol_t *s = zbar_image_first_symbol(img); s && n > 0; s = zbar_symbol_next(s)) {
			printf("%s\t", zbar_get_symbol_name(zbar_symbol_get_type(s)));
			const unsigned char *d = (const unsigned char *)zbar_symbol_get_data(s);
			unsigned len = zbar_symbol_get_data_length(s);
			for (unsigned i = 0; i < len; i++) printf("%02x", d[i]);
			printf("\n");
		}
		fflush(stdout);
		zbar_image_destroy(img);
	}
	zbar_image_scanner_destroy(scanner);
	return 0;
}
