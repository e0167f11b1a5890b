#pragma once
// Splitting a command string into argv the way a POSIX shell would, without running one.
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace stackvisor::config {

/// SplitShellWords splits on unquoted blanks (space, tab, newline) and honours single quotes
/// (literal), double quotes (backslash escapes only \ " $ ` and newline, as sh does) and
/// backslash outside quotes. No expansion of any kind happens: "$HOME" stays "$HOME", since
/// interpolation already ran on the manifest. Errors: an unterminated quote, a trailing
/// backslash.
base::Result<std::vector<std::string>> SplitShellWords(std::string_view text);

/// QuoteShellWord quotes a word so SplitShellWords gives it back unchanged.
std::string QuoteShellWord(std::string_view word);

}  // namespace stackvisor::config
