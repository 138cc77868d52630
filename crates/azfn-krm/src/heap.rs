//! The module's allocator: free lists by size class, carved from large chunks of the system
//! allocator (wasi-libc's dlmalloc), which keeps everything larger than a class.
//!
//! Why: the function parses and checks many small strings, maps and vectors and frees them
//! again; dlmalloc's general-purpose path (bins, chunk headers, coalescing) was the largest
//! single cost of the module after its own code, while the native build gets glibc's per-thread
//! caches. Here a small allocation or free is a few instructions on a list head. Memory of a
//! class is reused only by that class, which a one-shot process can afford; the sandbox's memory
//! limit bounds it like any other growth.
#![allow(
    unsafe_code,
    reason = "a global allocator is unsafe code by definition"
)]
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::UnsafeCell;
use std::ptr;

/// Sizes round up to this, which is also the alignment every small block has.
const GRANULE: usize = 16;
/// Number of classes: 16, 32, ... 1024 bytes.
const CLASSES: usize = 64;
const LARGEST: usize = GRANULE * CLASSES;
/// What one refill takes from the system allocator.
const CHUNK: usize = 256 * 1024;

struct State {
    /// Heads of the free lists; a free block holds the next block's address.
    free: [*mut u8; CLASSES],
    /// The unused rest of the current chunk.
    next: *mut u8,
    end: *mut u8,
}

/// The module's allocator (natively, only the tests build this file).
#[cfg(target_family = "wasm")]
#[global_allocator]
static HEAP: SizeClasses = SizeClasses::new();

pub(crate) struct SizeClasses(UnsafeCell<State>);

// SAFETY: a wasm32-wasip1 module has one thread (the target has no atomics or threads), so
// the state is never reached from two places at once.
unsafe impl Sync for SizeClasses {}

impl SizeClasses {
    pub(crate) const fn new() -> Self {
        Self(UnsafeCell::new(State {
            free: [ptr::null_mut(); CLASSES],
            next: ptr::null_mut(),
            end: ptr::null_mut(),
        }))
    }
}

/// The class of a layout, or `None` for what the system allocator keeps.
fn class(size: usize, align: usize) -> Option<usize> {
    (size <= LARGEST && align <= GRANULE).then(|| size.saturating_sub(1) / GRANULE)
}

// SAFETY: every block is GRANULE-aligned and as large as its class (or the system allocator's),
// a block is on a free list only after `dealloc`, and each layout maps to one owner.
unsafe impl GlobalAlloc for SizeClasses {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let Some(class) = class(layout.size(), layout.align()) else {
            // SAFETY: the caller's contract, passed on.
            return unsafe { System.alloc(layout) };
        };
        // SAFETY: single-threaded (see `Sync`), and no reference to the state outlives a call.
        let state = unsafe { &mut *self.0.get() };
        let head = state.free[class];
        if !head.is_null() {
            // SAFETY: a free block of this class stores the next free block at its start.
            state.free[class] = unsafe { head.cast::<*mut u8>().read_unaligned() };
            return head;
        }
        let size = (class + 1) * GRANULE;
        if (state.end as usize) - (state.next as usize) < size {
            // SAFETY: CHUNK is non-zero and GRANULE a power of two.
            let chunk = unsafe { System.alloc(Layout::from_size_align_unchecked(CHUNK, GRANULE)) };
            if chunk.is_null() {
                return chunk;
            }
            state.next = chunk;
            // SAFETY: one past the end of the chunk just allocated.
            state.end = unsafe { chunk.add(CHUNK) };
        }
        let block = state.next;
        // SAFETY: `size` bytes are left in the chunk (checked above).
        state.next = unsafe { block.add(size) };
        block
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if class(layout.size(), layout.align()).is_none() {
            // SAFETY: the caller's contract, passed on; fresh memory from dlmalloc may skip zeroing.
            return unsafe { System.alloc_zeroed(layout) };
        }
        // SAFETY: the caller's contract, passed on.
        let block = unsafe { self.alloc(layout) };
        if !block.is_null() {
            // SAFETY: the block has at least `layout.size()` bytes.
            unsafe { block.write_bytes(0, layout.size()) };
        }
        block
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        let Some(class) = class(layout.size(), layout.align()) else {
            // SAFETY: a layout without a class was allocated by the system allocator.
            return unsafe { System.dealloc(block, layout) };
        };
        // SAFETY: single-threaded (see `Sync`), and no reference to the state outlives a call.
        let state = unsafe { &mut *self.0.get() };
        // SAFETY: the block is ours, at least GRANULE bytes and aligned for a pointer.
        unsafe { block.cast::<*mut u8>().write_unaligned(state.free[class]) };
        state.free[class] = block;
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let old = class(layout.size(), layout.align());
        match (old, class(new_size, layout.align())) {
            // SAFETY: allocated by the system allocator with this layout; the caller's contract.
            (None, None) => unsafe { System.realloc(block, layout, new_size) },
            (Some(a), Some(b)) if a == b => block,
            _ => {
                // SAFETY: the caller guarantees a valid non-zero size for this alignment.
                let new_layout =
                    unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
                // SAFETY: as above.
                let moved = unsafe { self.alloc(new_layout) };
                if !moved.is_null() {
                    // SAFETY: both blocks hold at least the smaller size and do not overlap.
                    unsafe {
                        ptr::copy_nonoverlapping(block, moved, layout.size().min(new_size));
                        self.dealloc(block, layout);
                    }
                }
                moved
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fill(i: usize) -> u8 {
        u8::try_from(i).expect("few blocks")
    }

    fn layout(size: usize, align: usize) -> Layout {
        Layout::from_size_align(size, align).expect("valid layout")
    }

    #[test]
    fn blocks_hold_their_bytes_and_freed_blocks_are_reused_by_their_class() {
        let heap = SizeClasses::new();
        let sizes = [1, 15, 16, 17, 100, 1023, 1024, 1025, 70_000];
        let blocks: Vec<_> = sizes
            .iter()
            .enumerate()
            .map(|(i, &size)| {
                // SAFETY: non-zero sizes; each block is written within its size.
                let block = unsafe { heap.alloc(layout(size, 8)) };
                assert!(!block.is_null());
                assert_eq!(block as usize % 8, 0, "aligned");
                // SAFETY: the block has `size` bytes.
                unsafe { block.write_bytes(fill(i), size) };
                block
            })
            .collect();
        for (i, (&block, &size)) in blocks.iter().zip(&sizes).enumerate() {
            // SAFETY: written above with `size` bytes.
            let bytes = unsafe { std::slice::from_raw_parts(block, size) };
            assert!(
                bytes.iter().all(|&b| b == fill(i)),
                "block {i} of {size} bytes kept"
            );
        }
        // A freed 100-byte block (class 112) comes back for a 110-byte request, not for 200.
        // SAFETY: allocated above with this layout.
        unsafe { heap.dealloc(blocks[4], layout(100, 8)) };
        // SAFETY: a non-zero size.
        let same_class = unsafe { heap.alloc(layout(110, 8)) };
        assert_eq!(same_class, blocks[4]);
        for (&block, &size) in blocks.iter().zip(&sizes).filter(|(b, _)| **b != blocks[4]) {
            // SAFETY: allocated above with this layout.
            unsafe { heap.dealloc(block, layout(size, 8)) };
        }
    }

    #[test]
    fn realloc_keeps_contents_across_classes_and_into_the_system_allocator() {
        let heap = SizeClasses::new();
        // SAFETY: each step reallocates the block the previous one returned, with its layout.
        unsafe {
            let mut block = heap.alloc(layout(8, 8));
            block.write_bytes(7, 8);
            let mut size = 8;
            for new_size in [12, 40, 1024, 5000, 3, 2000] {
                block = heap.realloc(block, layout(size, 8), new_size);
                assert!(!block.is_null());
                let kept = size.min(new_size);
                assert!(
                    std::slice::from_raw_parts(block, kept)
                        .iter()
                        .all(|&b| b == 7)
                );
                block.write_bytes(7, new_size);
                size = new_size;
            }
            heap.dealloc(block, layout(size, 8));
        }
    }

    #[test]
    fn zeroed_blocks_are_zero_even_when_reused() {
        let heap = SizeClasses::new();
        // SAFETY: blocks are used within their sizes and freed with their layouts.
        unsafe {
            let dirty = heap.alloc(layout(64, 8));
            dirty.write_bytes(0xAB, 64);
            heap.dealloc(dirty, layout(64, 8));
            let zeroed = heap.alloc_zeroed(layout(64, 8));
            assert_eq!(zeroed, dirty, "the freed block is reused");
            assert!(
                std::slice::from_raw_parts(zeroed, 64)
                    .iter()
                    .all(|&b| b == 0)
            );
            heap.dealloc(zeroed, layout(64, 8));
        }
    }

    #[test]
    fn over_aligned_layouts_go_to_the_system_allocator() {
        assert_eq!(class(64, 32), None);
        assert_eq!(class(LARGEST + 1, 8), None);
        assert_eq!(class(1, 1), Some(0));
        assert_eq!(class(LARGEST, 16), Some(CLASSES - 1));
    }
}
