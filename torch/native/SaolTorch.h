// The C ABI of the libtorch shim. Every export is extern "C", prefixed SaolTorch_, takes and
// returns fixed-width types, and returns a status (0 = ok). No C++ exception crosses this
// boundary: SAOL_TRY/SAOL_CATCH catch std::exception and everything else, and keep the message
// in a thread-local buffer that SaolTorch_LastError() returns until the next failing call.
//
// Ownership: a tensor handle is a heap-allocated at::Tensor (one reference on the TensorImpl).
// Every export that yields a tensor hands the caller a new handle, which the caller frees with
// SaolTorch_Tensor_Free exactly once; inputs are borrowed for the duration of the call.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <stdexcept>
#include <string>

#define SAOL_EXPORT extern "C" __attribute__((visibility("default")))

namespace saol {
// Status codes shared with the C# side (Interop.Status).
enum Status : int32_t {
    kOk = 0,
    kTorchError = 1,         // c10::Error and other std::exception from libtorch
    kInvalidArgument = 2,    // rejected by the shim itself (null handle, bad enum value, ...)
    kUnknownError = 3,       // a non-std exception
    kDeviceUnavailable = 4,  // a device this libtorch or machine does not have (cuda:N on CPU)
};

void set_last_error(const char* message);
const char* last_error();

// libtorch's OpenMP thread count is a per-thread setting (omp_set_num_threads), but .NET runs
// our calls on whichever thread it likes (async continuations, the thread pool). Every export
// first brings the calling thread to the count last given to SaolTorch_SetNumThreads.
void sync_thread_settings();

// Thrown by the shim for a device it cannot serve; mapped to kDeviceUnavailable.
struct device_unavailable : std::runtime_error {
    using std::runtime_error::runtime_error;
};

inline at::Tensor& T(void* handle) {
    if (handle == nullptr) throw std::invalid_argument("tensor handle is null");
    return *static_cast<at::Tensor*>(handle);
}

// An optional tensor argument: a null handle means "none".
inline c10::optional<at::Tensor> opt(void* handle) {
    if (handle == nullptr) return c10::nullopt;
    return *static_cast<at::Tensor*>(handle);
}

// Hands a result to the caller; an undefined tensor (no grad, no bias) becomes a null handle.
inline void* wrap(at::Tensor t) { return t.defined() ? new at::Tensor(std::move(t)) : nullptr; }

inline at::IntArrayRef ints(const int64_t* values, int32_t count) {
    if (count < 0 || (count > 0 && values == nullptr)) throw std::invalid_argument("invalid integer list");
    return at::IntArrayRef(values, static_cast<size_t>(count));
}

inline at::Scalar scalar(double value, int32_t integral) {
    return integral ? at::Scalar(static_cast<int64_t>(value)) : at::Scalar(value);
}

c10::ScalarType scalar_type(int32_t code);
c10::Device device(int32_t type, int32_t index);  // validates that the device exists
}  // namespace saol

#define SAOL_TRY try { saol::sync_thread_settings();
#define SAOL_CATCH                                                      \
    return saol::kOk;                                                   \
    }                                                                   \
    catch (const c10::Error& e) {                                       \
        saol::set_last_error(e.what_without_backtrace());               \
        return saol::kTorchError;                                       \
    }                                                                   \
    catch (const std::invalid_argument& e) {                            \
        saol::set_last_error(e.what());                                 \
        return saol::kInvalidArgument;                                  \
    }                                                                   \
    catch (const saol::device_unavailable& e) {                         \
        saol::set_last_error(e.what());                                 \
        return saol::kDeviceUnavailable;                                \
    }                                                                   \
    catch (const std::exception& e) {                                   \
        saol::set_last_error(e.what());                                 \
        return saol::kTorchError;                                       \
    }                                                                   \
    catch (...) {                                                       \
        saol::set_last_error("unknown native exception");               \
        return saol::kUnknownError;                                     \
    }
