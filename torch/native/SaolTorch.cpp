// Library-wide exports: the last error, threading, devices, dtypes, RNG and grad mode.
#include <ATen/CPUGeneratorImpl.h>
#include <torch/cuda.h>
#include <torch/utils.h>

#include "SaolTorch.h"

#include <malloc.h>

#include <atomic>
#include <climits>
#include <cstdlib>

namespace {
// libtorch's CPU tensors come from glibc malloc. A C# training step frees its temporaries together
// when its dispose scope ends, not one by one as Python's reference counts do; with glibc's
// defaults that returns the activation-sized blocks to the kernel (munmap / heap trim) and the
// next step page-faults all of them back in: a ResNet-50 step cost up to 1.6x PyTorch's CPU time
// that way. Serving large blocks from the heap and not trimming it keeps the pages for reuse (RSS
// stays at the peak of a step, as with PyTorch's caching allocators). SAOL_MALLOC_TUNING=0 keeps
// glibc's defaults.
__attribute__((constructor)) void configure_allocator() {
    const char* setting = std::getenv("SAOL_MALLOC_TUNING");
    if (setting != nullptr && setting[0] == '0') return;
    mallopt(M_MMAP_MAX, 0);
    mallopt(M_TRIM_THRESHOLD, INT_MAX);
}
}  // namespace

namespace saol {
namespace {
thread_local std::string g_last_error;
}
void set_last_error(const char* message) { g_last_error = message ? message : ""; }
const char* last_error() { return g_last_error.c_str(); }

namespace {
std::atomic<int32_t> g_num_threads{0};   // 0: never set, leave libtorch's default
thread_local int32_t t_num_threads = 0;  // what this thread was last brought to
}  // namespace

void sync_thread_settings() {
    const auto wanted = g_num_threads.load(std::memory_order_relaxed);
    if (wanted != t_num_threads) {
        t_num_threads = wanted;
        if (wanted > 0) torch::set_num_threads(wanted);
    }
}

c10::ScalarType scalar_type(int32_t code) {
    switch (code) {
        case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7: case 11: case 15:
            return static_cast<c10::ScalarType>(code);
        default:
            throw std::invalid_argument("unsupported scalar type code " + std::to_string(code));
    }
}

c10::Device device(int32_t type, int32_t index) {
    switch (type) {
        case 0:
            if (index > 0) throw std::invalid_argument("cpu device index must be 0 or -1");
            return c10::Device(c10::DeviceType::CPU);
        case 1: {
            const std::string name = "cuda:" + std::to_string(index < 0 ? 0 : index);
            if (!torch::cuda::is_available())
                throw device_unavailable("device " + name +
                                         " is not available: this libtorch has no CUDA support or no CUDA device is visible "
                                         "(build the shim against a CUDA libtorch with Torch_DIR)");
            const auto count = static_cast<int32_t>(torch::cuda::device_count());
            if (index >= count)
                throw device_unavailable("device " + name + " is not available: " + std::to_string(count) +
                                         " CUDA device(s) visible");
            return c10::Device(c10::DeviceType::CUDA, static_cast<c10::DeviceIndex>(index));
        }
        default:
            throw std::invalid_argument("unsupported device type code " + std::to_string(type));
    }
}
}  // namespace saol

SAOL_EXPORT const char* SaolTorch_LastError() { return saol::g_last_error.c_str(); }

// Lets managed callbacks (gradient hooks) report their failure through the same channel.
SAOL_EXPORT void SaolTorch_SetLastError(const char* message) { saol::set_last_error(message); }

SAOL_EXPORT int32_t SaolTorch_SetNumThreads(int32_t threads) {
    SAOL_TRY
    if (threads < 1) throw std::invalid_argument("thread count must be at least 1");
    saol::g_num_threads.store(threads, std::memory_order_relaxed);
    saol::sync_thread_settings();
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

SAOL_EXPORT int32_t SaolTorch_ManualSeed(int64_t seed) {
    SAOL_TRY
    torch::manual_seed(static_cast<uint64_t>(seed));
    SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_SetGradEnabled(int32_t enabled, int32_t* previous) {
    SAOL_TRY
    *previous = at::GradMode::is_enabled() ? 1 : 0;
    at::GradMode::set_enabled(enabled != 0);
    SAOL_CATCH
}

// The CPU generator's state as a uint8 tensor (torch.get_rng_state), for checkpoints.
SAOL_EXPORT int32_t SaolTorch_GetRngState(void** out) {
    SAOL_TRY
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    *out = saol::wrap(gen.get_state());
    SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_SetRngState(void* state) {
    SAOL_TRY
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(saol::T(state));
    SAOL_CATCH
}
