// The C ABI of the libtorch shim. Every export is extern "C", prefixed SaolTorch_, takes and
// returns fixed-width types, and returns a status (0 = ok). No C++ exception crosses this
// boundary: SAOL_TRY/SAOL_CATCH catch std::exception and everything else, and keep the message
// in a thread-local buffer that SaolTorch_LastError() returns until the next failing call.
#pragma once

#include <cstdint>
#include <string>

#define SAOL_EXPORT extern "C" __attribute__((visibility("default")))

namespace saol {
// Status codes shared with the C# side (Interop.Status).
enum Status : int32_t {
    kOk = 0,
    kTorchError = 1,     // c10::Error and other std::exception from libtorch
    kInvalidArgument = 2,  // rejected by the shim itself (null handle, bad enum value, ...)
    kUnknownError = 3,   // a non-std exception
};

void set_last_error(const char* message);
}  // namespace saol

#define SAOL_TRY try {
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
    catch (const std::exception& e) {                                   \
        saol::set_last_error(e.what());                                 \
        return saol::kTorchError;                                       \
    }                                                                   \
    catch (...) {                                                       \
        saol::set_last_error("unknown native exception");               \
        return saol::kUnknownError;                                     \
    }
