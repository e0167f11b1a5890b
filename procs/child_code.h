#pragma once
// Code that runs in a cloned child between clone and exec runs on a stack AddressSanitizer never
// saw (CLONE_VM, spawner.cc): its no-return bookkeeping there would only warn, so such
// functions are not instrumented.
#if defined(__SANITIZE_ADDRESS__)
#define STACKVISOR_CHILD_CODE __attribute__((no_sanitize("address")))
#else
#define STACKVISOR_CHILD_CODE
#endif
