// Compiled only to produce the precompiled header the test binaries share.
