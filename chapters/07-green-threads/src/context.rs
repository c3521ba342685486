//! Stacks and saved CPU contexts: the machine under a green thread
//! (chapter 07). Every `unsafe` of the chapter is in this file.
//!
//! A context switch is two things: the CPU registers (the instruction
//! pointer and the stack pointer among them) and the stack those registers
//! point into. glibc's `ucontext` calls do the registers:
//!
//! * `getcontext(uc)` saves the running registers (and signal mask) into `uc`;
//! * `makecontext(uc, f, ...)` edits a saved context so that resuming it
//!   calls `f` on a stack of our choosing, and resumes `uc->uc_link` when `f`
//!   returns;
//! * `swapcontext(from, to)` saves the running context into `from` and
//!   resumes `to`. It returns later, when something switches back to `from`.
//!
//! [`Stack`] is the other half: memory from `mmap`, with a guard page.
//!
//! POSIX marked these calls obsolete in 2008 (their C prototype cannot be
//! written correctly in C99), but glibc supports them and they show the idea
//! with nothing hidden. Real green-thread libraries switch in a few lines of
//! assembly instead (Boost.Context, Go's runtime, the old `libgreen` of
//! pre-1.0 Rust): `swapcontext` also saves and restores the signal mask,
//! which costs a system call on every switch. The demo measures that cost.

use std::cell::Cell;
use std::io;
use std::mem;
use std::ptr::{self, NonNull};

/// The smallest stack [`Stack::new`] accepts. Rust's formatting and panic
/// machinery alone use several KiB; below this a green thread would hit its
/// guard page doing almost anything.
pub const MIN_STACK_SIZE: usize = 16 * 1024;

thread_local! {
    /// How many [`Stack`]s this OS thread has mapped right now. A `Stack`
    /// never leaves the OS thread that made it (it is not `Send`), so a
    /// per-thread count is exact, whatever other threads do.
    static LIVE_STACKS: Cell<usize> = const { Cell::new(0) };
}

/// A green thread's stack: memory from `mmap`, with one inaccessible guard
/// page below it.
///
/// ```text
///  low addresses                                        high addresses
///  | guard page (PROT_NONE) | usable stack (read/write) ...            |
///  ^ mapping                ^ bottom                          top ^
/// ```
///
/// Stacks grow down on every CPU Linux runs Rust on, so a thread that
/// overflows runs into the guard page and dies with `SIGSEGV`, instead of
/// silently writing over whatever memory lies below. The whole mapping is
/// unmapped when the `Stack` is dropped, which the green-thread scheduler
/// does only after switching away from the finished thread: a thread cannot
/// free the stack it is running on.
///
/// ```
/// use ch07_green_threads::context::Stack;
///
/// let stack = Stack::new(64 * 1024)?;
/// assert!(stack.size() >= 64 * 1024);
/// assert_eq!(stack.top() as usize % 16, 0);
/// assert_eq!(stack.guard().end, stack.bottom() as usize, "the guard is right below");
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct Stack {
    /// Start of the mapping (the guard page). Invariant: a live, page-aligned
    /// mapping of `len` bytes, made by `Stack::new` and owned by this value.
    mapping: NonNull<u8>,
    /// Length of the whole mapping, guard page included.
    len: usize,
    /// The page size (and so the guard's size).
    page: usize,
    /// Valgrind's id for this stack (0 when not running under valgrind).
    valgrind_id: usize,
}

impl Stack {
    /// Maps a stack with at least `size` usable bytes (rounded up to whole
    /// pages) and a guard page below them.
    ///
    /// The memory is reserved, not used: pages become resident only when the
    /// thread touches them (`MAP_NORESERVE`, as for thread stacks), so a
    /// thousand 256 KiB stacks cost 256 MiB of address space but only the few
    /// pages each thread really uses.
    pub fn new(size: usize) -> io::Result<Stack> {
        if size < MIN_STACK_SIZE {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "a green thread's stack must have at least {MIN_STACK_SIZE} bytes, not {size}"
                ),
            ));
        }
        let page = page_size()?;
        let too_big = || {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("a stack of {size} bytes does not fit in the address space"),
            )
        };
        let usable = size.checked_next_multiple_of(page).ok_or_else(too_big)?;
        let len = usable.checked_add(page).ok_or_else(too_big)?;

        // SAFETY: an anonymous private mapping at an address of the kernel's
        // choosing: it touches no existing memory, and the result is checked.
        let mapping = unsafe {
            libc::mmap(
                ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE | libc::MAP_STACK,
                -1,
                0,
            )
        };
        if mapping == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let mapping = NonNull::new(mapping.cast::<u8>())
            .ok_or_else(|| io::Error::other("mmap returned address 0"))?;
        LIVE_STACKS.with(|live| live.set(live.get() + 1));
        // From here on, dropping `stack` unmaps the memory, on every path.
        let mut stack = Stack {
            mapping,
            len,
            page,
            valgrind_id: 0,
        };
        // SAFETY: the first page of a mapping we own; nothing uses it yet.
        let guarded = unsafe { libc::mprotect(mapping.as_ptr().cast(), page, libc::PROT_NONE) };
        if guarded == -1 {
            return Err(io::Error::last_os_error());
        }
        stack.valgrind_id = valgrind::stack_register(stack.bottom(), stack.top());
        Ok(stack)
    }

    /// The lowest usable byte, just above the guard page. Page-aligned.
    pub fn bottom(&self) -> *mut u8 {
        // `page < len` by construction, so this stays inside the mapping.
        self.mapping.as_ptr().wrapping_add(self.page)
    }

    /// One past the highest usable byte: where the stack pointer starts.
    /// Page-aligned, so also 16-byte aligned as the x86-64 and AArch64 ABIs
    /// require at a call (`makecontext` keeps that alignment).
    pub fn top(&self) -> *mut u8 {
        self.mapping.as_ptr().wrapping_add(self.len)
    }

    /// How many bytes the thread can use.
    pub fn size(&self) -> usize {
        self.len - self.page
    }

    /// The address range of the guard page.
    pub fn guard(&self) -> std::ops::Range<usize> {
        let start = self.mapping.as_ptr() as usize;
        start..start + self.page
    }

    /// How many stacks this OS thread has mapped right now (the demo and the
    /// tests use it to show that finished threads free theirs).
    pub fn live() -> usize {
        LIVE_STACKS.with(Cell::get)
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        if self.valgrind_id != 0 {
            valgrind::stack_deregister(self.valgrind_id);
        }
        // SAFETY: `mapping` and `len` describe a mapping we own (the field
        // invariant), and nothing runs on this stack any more: the scheduler
        // drops a thread's stack only after switching away from it for good.
        let result = unsafe { libc::munmap(self.mapping.as_ptr().cast(), self.len) };
        // munmap fails only for bad arguments, which the invariant rules out.
        debug_assert_eq!(result, 0, "munmap: {}", io::Error::last_os_error());
        LIVE_STACKS.with(|live| live.set(live.get() - 1));
    }
}

/// A saved CPU context: registers, signal mask, and which stack to run on.
///
/// It lives on the heap and never moves: on x86-64, glibc's `ucontext_t`
/// holds a pointer into itself (to its saved floating-point state), so a
/// moved copy would restore garbage.
#[derive(Debug)]
pub struct Context {
    /// Invariant: from `Box::into_raw`, owned by this value, freed in `Drop`.
    ucontext: NonNull<libc::ucontext_t>,
}

/// The address of a [`Context`], for [`switch`]. A copy says nothing about
/// whether the context is still alive: `switch`'s contract covers that.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContextPtr(NonNull<libc::ucontext_t>);

impl Context {
    /// An empty context, for [`switch`] to save the running one into (the
    /// scheduler's own, for example).
    pub fn new() -> Context {
        // SAFETY: ucontext_t is plain C data, for which all zeroes is a valid
        // value; it is only ever filled by getcontext/swapcontext.
        let empty: libc::ucontext_t = unsafe { mem::zeroed() };
        Context {
            ucontext: NonNull::from(Box::leak(Box::new(empty))),
        }
    }

    /// A context that, when switched to, calls `entry` on `stack`; when
    /// `entry` returns, the context `link` is resumed.
    ///
    /// `entry` takes no arguments: `makecontext` can pass only C `int`s, and
    /// splitting a pointer into two of them works on glibc but is outside
    /// what POSIX promises. The green-thread scheduler does not need to: its
    /// entry function asks the scheduler which thread is starting.
    pub fn with_entry(
        stack: &mut Stack,
        entry: extern "C" fn(),
        link: &Context,
    ) -> io::Result<Context> {
        let context = Context::new();
        let uc = context.ucontext.as_ptr();
        // SAFETY: `uc` is our own, live ucontext_t. makecontext needs one
        // initialised by getcontext to start from.
        if unsafe { libc::getcontext(uc) } == -1 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `uc` is ours and initialised. The stack fields describe
        // memory we hold exclusively (`&mut Stack`), which makecontext writes
        // its first frame into; `uc_link` points at a live context. No
        // arguments are passed, so the C varargs list is empty (argc 0).
        unsafe {
            (*uc).uc_stack.ss_sp = stack.bottom().cast();
            (*uc).uc_stack.ss_size = stack.size();
            (*uc).uc_stack.ss_flags = 0;
            (*uc).uc_link = link.ucontext.as_ptr();
            libc::makecontext(uc, entry, 0);
        }
        Ok(context)
    }

    /// This context's address, for [`switch`].
    pub fn as_ptr(&self) -> ContextPtr {
        ContextPtr(self.ucontext)
    }
}

impl Default for Context {
    fn default() -> Context {
        Context::new()
    }
}

impl Drop for Context {
    fn drop(&mut self) {
        // SAFETY: the pointer came from Box::into_raw (Box::leak) and is
        // freed only here (the field invariant).
        drop(unsafe { Box::from_raw(self.ucontext.as_ptr()) });
    }
}

/// Saves the running context into `from` and resumes `to`. Returns when
/// some later `switch` (or the end of a `with_entry` function whose link is
/// `from`) resumes `from`.
///
/// Unlike `setjmp`, this returns once per call, like any function that
/// takes a while: `swapcontext` itself saves and restores every register the
/// caller relies on.
///
/// # Safety
///
/// * `from` and `to` point to live [`Context`]s, and `from` stays alive until
///   it has been resumed (or is never needed again).
/// * `to` holds something to resume: a context made by
///   [`Context::with_entry`] that has not started yet, or one saved by an
///   earlier `switch` and not resumed since. (Resuming a context twice runs
///   the same stack frames twice.)
/// * Whatever `to` runs on stays alive and untouched while it may run: its
///   [`Stack`], and, for a `with_entry` context, its `link` context.
pub unsafe fn switch(from: ContextPtr, to: ContextPtr) -> io::Result<()> {
    // SAFETY: both point to live ucontext_t (the caller's promise); `from` is
    // written, `to` is read and resumed with its stack alive.
    if unsafe { libc::swapcontext(from.0.as_ptr(), to.0.as_ptr()) } == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

fn page_size() -> io::Result<usize> {
    // SAFETY: sysconf has no memory preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(page).map_err(|_| io::Error::last_os_error())
}

/// Valgrind's "client requests" for stacks, without the `valgrind.h` header
/// or a crate for it.
///
/// Valgrind tracks the stack pointer; when it jumps into memory Valgrind
/// does not know as a stack, it warns "client switching stacks?" and may
/// report false errors. Registering each green-thread stack tells it. A
/// client request is a magic instruction sequence that does nothing on a real
/// CPU (it rotates a register by a full 128 bits, then swaps a register with
/// itself) and that Valgrind's CPU emulator recognises; this is a copy of the
/// `VALGRIND_DO_CLIENT_REQUEST_EXPR` macro of `valgrind.h`.
mod valgrind {
    /// `VG_USERREQ__STACK_REGISTER` from `valgrind.h`.
    const STACK_REGISTER: usize = 0x1501;
    /// `VG_USERREQ__STACK_DEREGISTER` from `valgrind.h`.
    const STACK_DEREGISTER: usize = 0x1502;

    /// Tells Valgrind that `[bottom, top)` is a stack; returns its id, or 0
    /// when not running under Valgrind.
    pub(super) fn stack_register(bottom: *mut u8, top: *mut u8) -> usize {
        // valgrind.h wants the lowest and the highest addressable byte.
        request(STACK_REGISTER, bottom as usize, top as usize - 1)
    }

    /// Forgets stack `id` (before it is unmapped).
    pub(super) fn stack_deregister(id: usize) {
        request(STACK_DEREGISTER, id, 0);
    }

    /// Sends a client request; returns Valgrind's answer, or 0 on a real CPU.
    #[cfg(target_arch = "x86_64")]
    fn request(code: usize, arg1: usize, arg2: usize) -> usize {
        let args: [usize; 6] = [code, arg1, arg2, 0, 0, 0];
        let mut result: usize = 0;
        // SAFETY: on a real CPU these instructions change nothing: rdi is
        // rotated by 3+13+61+51 = 128 bits (back where it was) and rbx is
        // exchanged with itself. Under Valgrind, it reads the six words at
        // rax and writes its answer to rdx. `args` lives across the asm.
        unsafe {
            std::arch::asm!(
                "rol rdi, 3",
                "rol rdi, 13",
                "rol rdi, 61",
                "rol rdi, 51",
                "xchg rbx, rbx",
                in("rax") args.as_ptr(),
                inout("rdx") result,
                inout("rdi") 0usize => _,
                options(nostack),
            );
        }
        result
    }

    /// Sends a client request; returns Valgrind's answer, or 0 on a real CPU.
    #[cfg(target_arch = "aarch64")]
    fn request(code: usize, arg1: usize, arg2: usize) -> usize {
        let args: [usize; 6] = [code, arg1, arg2, 0, 0, 0];
        let mut result: usize = 0;
        // SAFETY: on a real CPU these instructions change nothing: x12 is
        // rotated by 3+13+51+61 = 128 bits and x10 is or-ed with itself.
        // Under Valgrind, it reads the six words at x4 and answers in x3.
        unsafe {
            std::arch::asm!(
                "ror x12, x12, #3",
                "ror x12, x12, #13",
                "ror x12, x12, #51",
                "ror x12, x12, #61",
                "orr x10, x10, x10",
                in("x4") args.as_ptr(),
                inout("x3") result,
                inout("x12") 0usize => _,
                options(nostack),
            );
        }
        result
    }

    /// Other CPUs: no Valgrind support here, so no registration (Valgrind
    /// would warn about stack switches, and nothing else changes).
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    fn request(_code: usize, _arg1: usize, _arg2: usize) -> usize {
        0
    }
}
