// Built-in ThreadSanitizer suppressions for rill_dstream_tests (same list as
// tests/tsan.supp). The system oneTBB is not built with -fsanitize=thread, so the
// happens-before edges of its scheduler (task spawn, arena execute, wait_for_all) are
// invisible and every job looks racy. Only reports with a oneTBB frame are suppressed;
// the streaming engine's own threads (generator, workers, receivers, listener bus) do
// not run through oneTBB.
#if defined(__SANITIZE_THREAD__)
extern "C" const char* __tsan_default_suppressions() {
  return "race:libtbb.so\n"
         "race:tbb::detail::\n";
}
#endif
