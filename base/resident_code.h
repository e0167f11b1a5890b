#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

namespace stackvisor::base {

/// A range of this process's address space, [begin, end).
struct AddressRange {
  std::uintptr_t begin = 0;
  std::uintptr_t end = 0;
  bool operator==(const AddressRange&) const = default;
};

/// CleanFileRanges reads the text of /proc/PID/smaps and returns the mappings whose pages can
/// be dropped from memory without losing anything: backed by a file (the path starts with '/'),
/// not writable, and holding no private (copied-on-write) page, so every resident page is the
/// file's own and a later touch reads it back. That is the code and read-only data of the
/// binary and its shared libraries; it excludes the heap and stacks, the writable data, the
/// RELRO pages (r--p but relocated, so "Anonymous:" above 0), [vdso], and a text page a
/// debugger or a uprobe patched (also a private copy).
std::vector<AddressRange> CleanFileRanges(std::string_view smaps);

/// DropCleanFileRanges applies CleanFileRanges to this process right now and gives those pages
/// back (MADV_DONTNEED). The process keeps running: what it executes next faults back in from
/// the page cache, as at start. The pages stay in the page cache (shared with every other user
/// of the file): this lowers the process's resident set (VmRSS), not the machine's memory.
/// Returns how many bytes of ranges were dropped; 0 when /proc is unreadable.
std::size_t DropCleanFileRanges();

}  // namespace stackvisor::base
