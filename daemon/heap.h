// The process's heap policy, set first thing in main by every binary that runs
// the pipeline (and by the benches that time its stages, so they measure what
// the daemon pays).
//
// glibc gives the top of its heap back to the kernel as soon as more than
// 128 KiB of it is free (M_TRIM_THRESHOLD), and serves blocks over 128 KiB
// with their own mmap. CLD2 allocates and frees a scoring buffer of that order
// on every call, as extraction does for a large page's tree, so each article
// paid for a heap shrink, a TLB flush and fresh page faults: on a paravirtual
// machine that was 90 % of language identification (72 us of 80 per 5 KB
// article, 7 us without it) and half the extraction time of a 171 KB page.
// Keeping up to 8 MiB of free heap, and blocks up to 1 MiB in it, costs at most
// that much resident memory per arena.
#pragma once

#include <malloc.h>

namespace nw {

inline void keep_freed_heap() {
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  mallopt(M_TRIM_THRESHOLD, 8 << 20);
}

}  // namespace nw
