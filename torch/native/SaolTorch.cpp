// Library-wide exports: the last error, version and threading.
#include <torch/torch.h>

#include "SaolTorch.h"

namespace saol {
namespace {
thread_local std::string g_last_error;
}
void set_last_error(const char* message) { g_last_error = message ? message : ""; }
}  // namespace saol

SAOL_EXPORT const char* SaolTorch_LastError() { return saol::g_last_error.c_str(); }

SAOL_EXPORT int32_t SaolTorch_SetNumThreads(int32_t threads) {
    SAOL_TRY
    if (threads < 1) throw std::invalid_argument("thread count must be at least 1");
    torch::set_num_threads(threads);
    SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_GetNumThreads(int32_t* threads) {
    SAOL_TRY
    *threads = static_cast<int32_t>(torch::get_num_threads());
    SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_CudaDeviceCount(int32_t* count) {
    SAOL_TRY
    *count = torch::cuda::is_available() ? static_cast<int32_t>(torch::cuda::device_count()) : 0;
    SAOL_CATCH
}
