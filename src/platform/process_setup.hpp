// What a flipguard process fixes about its own start, before it opens any file.
#pragma once

namespace flipguard::platform {

// Standard input, output and error are open afterwards (on /dev/null where they were closed), so no file a
// run opens can take fd 0-2 and receive progress lines or error messages meant for a terminal. Writes past a
// file size limit (ulimit -f) fail with an error the run reports (EFBIG) instead of killing the process.
void prepare_process();

}  // namespace flipguard::platform
