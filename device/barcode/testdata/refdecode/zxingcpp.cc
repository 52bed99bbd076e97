// zxingcpp reads PGM (P5) frames from stdin and, for each, prints the time
// zxing-cpp's ReadBarcodes took with its default hints on the luma plane
// and what it read:
//   <nanoseconds> <count>\n then <count> lines "<FORMAT>\t<hex text>\n".
// BenchmarkCorpus (../../corpus_bench_test.go) builds and drives it; it is
// never part of the app.
#define ZX_USE_UTF8 1
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <ZXing/ReadBarcode.h>

static bool header(int &w, int &h) {
	int maxval;
	if (std::scanf(" P5 %d %d %d", &w, &h, &maxval) != 3) return false;
	std::getchar();
	return w > 0 && h > 0 && maxval == 255;
}

int main() {
	int w, h;
	std::vector<unsigned char> pix;
	while (header(w, h)) {
		pix.resize(size_t(w) * h);
		if (std::fread(pix.data(), 1, pix.size(), stdin) != pix.size()) return 1;
		// zxing-cpp's defaults (try harder, try rotate, try downscale, two
		// agreeing lines for a 1D code), limited to the symbologies Intake
		// Bench reads: a reader is not charged with wrong reads of codes
		// nobody asked it for.
		ZXing::DecodeHints hints;
		hints.setFormats(ZXing::BarcodeFormat::Code128 | ZXing::BarcodeFormat::EAN13 | ZXing::BarcodeFormat::UPCA |
		                 ZXing::BarcodeFormat::QRCode | ZXing::BarcodeFormat::DataMatrix);
		auto t0 = std::chrono::steady_clock::now();
		auto results = ZXing::ReadBarcodes(ZXing::ImageView(pix.data(), w, h, ZXing::ImageFormat::Lum), hints);
		auto t1 = std::chrono::steady_clock::now();
		std::vector<const ZXing::Result *> ok;
		for (auto &r : results)
			if (r.isValid()) ok.push_back(&r);
		std::printf("%lld %zu\n", (long long)std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count(), ok.size());
		for (auto *r : ok) {
			std::printf("%s\t", ZXing::ToString(r->format()));
			for (unsigned char c : r->text()) std::printf("%02x", c);
			std::printf("\n");
		}
		std::fflush(stdout);
	}
	return 0;
}
