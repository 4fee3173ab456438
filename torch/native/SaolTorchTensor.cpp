// Tensor exports: lifetime, metadata, creation, views, elementwise ops, reductions, indexing and
// autograd. Each export is a 1:1 call into ATen; the C# Tensor type is the only caller.
#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/utils/lambda_post_hook.h>
#include <torch/csrc/autograd/variable.h>

#include <memory>

#include "SaolTorch.h"

using saol::ints;
using saol::opt;
using saol::T;
using saol::wrap;

namespace {
at::TensorOptions options(int32_t dtype, int32_t device_type, int32_t device_index) {
    return at::TensorOptions().dtype(saol::scalar_type(dtype)).device(saol::device(device_type, device_index));
}

// ATen factories ignore requires_grad (torch:: adds it afterwards); so does this.
void* leaf(at::Tensor t, int32_t requires_grad) {
    if (requires_grad) t.set_requires_grad(true);
    return wrap(std::move(t));
}

std::vector<at::Tensor> tensors(void** handles, int32_t count) {
    if (count < 0 || (count > 0 && handles == nullptr)) throw std::invalid_argument("invalid tensor list");
    std::vector<at::Tensor> list;
    list.reserve(static_cast<size_t>(count));
    for (int32_t i = 0; i < count; ++i) list.push_back(T(handles[i]));
    return list;
}

// Metadata read in one call, so the C# side pays one transition for shape, dtype and device.
struct TensorInfo {
    int64_t numel;
    void* data;
    int32_t dim;
    int32_t dtype;
    int32_t device_type;
    int32_t device_index;
    int32_t requires_grad;
    int32_t is_leaf;
    int32_t is_contiguous;
    int32_t element_size;
};

using BlobDeleter = void (*)(int64_t context);
using HookCallback = int32_t (*)(int64_t context, void* grad, void** replacement);
using HookRelease = void (*)(int64_t context);

// Owns the managed side of one gradient hook; releasing it frees the managed GCHandle once
// libtorch drops the hook (tensor freed or hook removed).
struct HookContext {
    HookCallback callback;
    HookRelease release;
    int64_t context;
    ~HookContext() { release(context); }
};

// Keeps a leaf's gradient accumulator alive (the tensor only holds it weakly) for as long as a
// post-accumulate hook is registered on it, so every backward reaches the same hook.
struct PostHookRegistration {
    std::shared_ptr<torch::autograd::Node> accumulator;
    uintptr_t key;
};
}  // namespace

// ---- lifetime and metadata ----------------------------------------------------------------

SAOL_EXPORT void SaolTorch_Tensor_Free(void* handle) { delete static_cast<at::Tensor*>(handle); }

SAOL_EXPORT int32_t SaolTorch_Tensor_Info(void* a, TensorInfo* info) {
    SAOL_TRY
    const auto& t = T(a);
    info->numel = t.numel();
    info->dim = static_cast<int32_t>(t.dim());
    info->dtype = static_cast<int32_t>(t.scalar_type());
    info->device_type = static_cast<int32_t>(t.device().type());
    info->device_index = t.device().index();
    info->requires_grad = t.requires_grad() ? 1 : 0;
    info->is_leaf = t.is_leaf() ? 1 : 0;
    info->is_contiguous = t.is_contiguous() ? 1 : 0;
    info->element_size = static_cast<int32_t>(t.element_size());
    info->data = t.device().is_cpu() && t.has_storage() ? t.data_ptr() : nullptr;
    SAOL_CATCH
}

// Copies up to `capacity` sizes and strides; `dim` tells the caller whether they all fit.
SAOL_EXPORT int32_t SaolTorch_Tensor_Shape(void* a, int64_t* sizes, int64_t* strides, int32_t capacity, int32_t* dim) {
    SAOL_TRY
    const auto& t = T(a);
    *dim = static_cast<int32_t>(t.dim());
    for (int32_t i = 0; i < *dim && i < capacity; ++i) {
        if (sizes) sizes[i] = t.size(i);
        if (strides) strides[i] = t.stride(i);
    }
    SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_Tensor_ItemDouble(void* a, double* value) {
    SAOL_TRY *value = T(a).item<double>(); SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_Tensor_ItemInt64(void* a, int64_t* value) {
    SAOL_TRY *value = T(a).item<int64_t>(); SAOL_CATCH
}

// ---- creation -----------------------------------------------------------------------------

SAOL_EXPORT int32_t SaolTorch_Tensor_Empty(const int64_t* shape, int32_t dim, int32_t dtype, int32_t dt, int32_t di, int32_t rg, void** out) {
    SAOL_TRY *out = leaf(at::empty(ints(shape, dim), options(dtype, dt, di)), rg); SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_Tensor_Zeros(const int64_t* shape, int32_t dim, int32_t dtype, int32_t dt, int32_t di, int32_t rg, void** out) {
    SAOL_TRY *out = leaf(at::zeros(ints(shape, dim), options(dtype, dt, di)), rg); SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_Tensor_Ones(const int64_t* shape, int32_t dim, int32_t dtype, int32_t dt, int32_t di, int32_t rg, void** out) {
    SAOL_TRY *out = leaf(at::ones(ints(shape, dim), options(dtype, dt, di)), rg); SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_Tensor_Full(const int64_t* shape, int32_t dim, double value, int32_t integral, int32_t dtype, int32_t dt, int32_t di, int32_t rg, void** out) {
    SAOL_TRY *out = leaf(at::full(ints(shape, dim), saol::scalar(value, integral), options(dtype, dt, di)), rg); SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_Tensor_Rand(const int64_t* shape, int32_t dim, int32_t dtype, int32_t dt, int32_t di, int32_t rg, void** out) {
    SAOL_TRY *out = leaf(at::rand(ints(shape, dim), options(dtype, dt, di)), rg); SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_Tensor_Randn(const int64_t* shape, int32_t dim, int32_t dtype, int32_t dt, int32_t di, int32_t rg, void** out) {
    SAOL_TRY *out = leaf(at::randn(ints(shape, dim), options(dtype, dt, di)), rg); SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_Tensor_Randint(int64_t low, int64_t high, const int64_t* shape, int32_t dim, int32_t dtype, int32_t dt, int32_t di, void** out) {
    SAOL_TRY *out = wrap(at::randint(low, high, ints(shape, dim), options(dtype, dt, di))); SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_Tensor_Randperm(int64_t n, int32_t dtype, int32_t dt, int32_t di, void** out) {
    SAOL_TRY *out = wrap(at::randperm(n, options(dtype, dt, di))); SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_Tensor_Arange(double start, double end, double step, int32_t dtype, int32_t dt, int32_t di, void** out) {
    SAOL_TRY *out = wrap(at::arange(start, end, step, options(dtype, dt, di))); SAOL_CATCH
}

// Wraps memory the caller keeps alive (a pinned managed array) without copying; libtorch calls
// `deleter(context)` when the last reference to the storage goes away.
SAOL_EXPORT int32_t SaolTorch_Tensor_FromBlob(void* data, const int64_t* shape, int32_t dim, int32_t dtype, BlobDeleter deleter, int64_t context, void** out) {
    SAOL_TRY
    if (deleter == nullptr) throw std::invalid_argument("deleter is null");
    bool owned = false;
    try {
        auto t = at::from_blob(data, ints(shape, dim), [deleter, context](void*) { deleter(context); },
                               at::TensorOptions().dtype(saol::scalar_type(dtype)));
        owned = true;
        *out = wrap(std::move(t));
    } catch (...) {
        if (!owned) deleter(context);
        throw;
    }
    SAOL_CATCH
}

// ---- conversion and copies ----------------------------------------------------------------

SAOL_EXPORT int32_t SaolTorch_Tensor_To(void* a, int32_t dtype, int32_t dt, int32_t di, int32_t non_blocking, int32_t copy, void** out) {
    SAOL_TRY
    const auto& t = T(a);
    const auto type = dtype < 0 ? t.scalar_type() : saol::scalar_type(dtype);
    const auto dev = dt < 0 ? t.device() : saol::device(dt, di);
    *out = wrap(t.to(dev, type, non_blocking != 0, copy != 0));
    SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_Tensor_Copy_(void* a, void* src, int32_t non_blocking) {
    SAOL_TRY T(a).copy_(T(src), non_blocking != 0); SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_Tensor_SetData(void* a, void* src) {
    SAOL_TRY T(a).set_data(T(src)); SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_Tensor_Equal(void* a, void* b, int32_t* result) {
    SAOL_TRY *result = at::equal(T(a), T(b)) ? 1 : 0; SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_Tensor_Allclose(void* a, void* b, double rtol, double atol, int32_t* result) {
    SAOL_TRY *result = at::allclose(T(a), T(b), rtol, atol) ? 1 : 0; SAOL_CATCH
}

// ---- single-tensor ops: out = op(a) -------------------------------------------------------

#define SAOL_UNARY(name, expr)                                       \
    SAOL_EXPORT int32_t SaolTorch_Tensor_##name(void* a, void** out) { \
        SAOL_TRY *out = wrap(expr); SAOL_CATCH                       \
    }
SAOL_UNARY(Alias, T(a))
SAOL_UNARY(Clone, T(a).clone())
SAOL_UNARY(Contiguous, T(a).contiguous())
SAOL_UNARY(Detach, T(a).detach())
SAOL_UNARY(Grad, T(a).grad())
SAOL_UNARY(Neg, T(a).neg())
SAOL_UNARY(Abs, T(a).abs())
SAOL_UNARY(Exp, T(a).exp())
SAOL_UNARY(Log, T(a).log())
SAOL_UNARY(Sqrt, T(a).sqrt())
SAOL_UNARY(Rsqrt, T(a).rsqrt())
SAOL_UNARY(Square, T(a).square())
SAOL_UNARY(Reciprocal, T(a).reciprocal())
SAOL_UNARY(Sigmoid, T(a).sigmoid())
SAOL_UNARY(Tanh, T(a).tanh())
SAOL_UNARY(Sin, T(a).sin())
SAOL_UNARY(Cos, T(a).cos())
SAOL_UNARY(Relu, T(a).relu())
SAOL_UNARY(Sign, T(a).sign())
SAOL_UNARY(Floor, T(a).floor())
SAOL_UNARY(Ceil, T(a).ceil())
SAOL_UNARY(Round, T(a).round())
SAOL_UNARY(LogicalNot, T(a).logical_not())
SAOL_UNARY(IsNan, T(a).isnan())
SAOL_UNARY(IsFinite, T(a).isfinite())
SAOL_UNARY(Sum, T(a).sum())
SAOL_UNARY(Mean, T(a).mean())
SAOL_UNARY(Max, T(a).max())
SAOL_UNARY(Min, T(a).min())
SAOL_UNARY(All, T(a).all())
SAOL_UNARY(Any, T(a).any())
SAOL_UNARY(Nonzero, T(a).nonzero())
SAOL_UNARY(TransposeT, T(a).t())
#undef SAOL_UNARY

// ---- in-place single-tensor ops -----------------------------------------------------------

#define SAOL_INPLACE(name, expr)                           \
    SAOL_EXPORT int32_t SaolTorch_Tensor_##name(void* a) { \
        SAOL_TRY expr; SAOL_CATCH                          \
    }
SAOL_INPLACE(Zero_, T(a).zero_())
SAOL_INPLACE(Relu_, T(a).relu_())
SAOL_INPLACE(Sigmoid_, T(a).sigmoid_())
SAOL_INPLACE(Neg_, T(a).neg_())
SAOL_INPLACE(Sqrt_, T(a).sqrt_())
SAOL_INPLACE(Exp_, T(a).exp_())
SAOL_INPLACE(Detach_, T(a).detach_())
#undef SAOL_INPLACE

SAOL_EXPORT int32_t SaolTorch_Tensor_Fill_(void* a, double value, int32_t integral) { SAOL_TRY T(a).fill_(saol::scalar(value, integral)); SAOL_CATCH }
SAOL_EXPORT int32_t SaolTorch_Tensor_Uniform_(void* a, double from, double to) { SAOL_TRY T(a).uniform_(from, to); SAOL_CATCH }
SAOL_EXPORT int32_t SaolTorch_Tensor_Normal_(void* a, double mean, double std) { SAOL_TRY T(a).normal_(mean, std); SAOL_CATCH }
SAOL_EXPORT int32_t SaolTorch_Tensor_Bernoulli_(void* a, double p) { SAOL_TRY T(a).bernoulli_(p); SAOL_CATCH }

// ---- two-tensor ops -----------------------------------------------------------------------

#define SAOL_BINARY(name, expr)                                               \
    SAOL_EXPORT int32_t SaolTorch_Tensor_##name(void* a, void* b, void** out) { \
        SAOL_TRY *out = wrap(expr); SAOL_CATCH                                \
    }
SAOL_BINARY(Mul, T(a).mul(T(b)))
SAOL_BINARY(Div, T(a).div(T(b)))
SAOL_BINARY(Pow, T(a).pow(T(b)))
SAOL_BINARY(Maximum, at::maximum(T(a), T(b)))
SAOL_BINARY(Minimum, at::minimum(T(a), T(b)))
SAOL_BINARY(Eq, T(a).eq(T(b)))
SAOL_BINARY(Ne, T(a).ne(T(b)))
SAOL_BINARY(Lt, T(a).lt(T(b)))
SAOL_BINARY(Le, T(a).le(T(b)))
SAOL_BINARY(Gt, T(a).gt(T(b)))
SAOL_BINARY(Ge, T(a).ge(T(b)))
SAOL_BINARY(LogicalAnd, T(a).logical_and(T(b)))
SAOL_BINARY(LogicalOr, T(a).logical_or(T(b)))
SAOL_BINARY(Matmul, at::matmul(T(a), T(b)))
SAOL_BINARY(Mm, at::mm(T(a), T(b)))
SAOL_BINARY(Bmm, at::bmm(T(a), T(b)))
SAOL_BINARY(MaskedSelect, T(a).masked_select(T(b)))
#undef SAOL_BINARY

SAOL_EXPORT int32_t SaolTorch_Tensor_Add(void* a, void* b, double alpha, void** out) { SAOL_TRY *out = wrap(T(a).add(T(b), alpha)); SAOL_CATCH }
SAOL_EXPORT int32_t SaolTorch_Tensor_Sub(void* a, void* b, double alpha, void** out) { SAOL_TRY *out = wrap(T(a).sub(T(b), alpha)); SAOL_CATCH }
SAOL_EXPORT int32_t SaolTorch_Tensor_Where(void* condition, void* a, void* b, void** out) { SAOL_TRY *out = wrap(at::where(T(condition), T(a), T(b))); SAOL_CATCH }

// ---- tensor-scalar ops ---------------------------------------------------------------------

// `integral` keeps an integer scalar integral, so int64 tensors stay int64 (t + 1, not t + 1.0).
#define SAOL_SCALAR(name, expr)                                                                    \
    SAOL_EXPORT int32_t SaolTorch_Tensor_##name(void* a, double value, int32_t integral, void** out) { \
        SAOL_TRY const at::Scalar s = saol::scalar(value, integral); *out = wrap(expr); SAOL_CATCH       \
    }
SAOL_SCALAR(AddScalar, T(a).add(s))
SAOL_SCALAR(MulScalar, T(a).mul(s))
SAOL_SCALAR(DivScalar, T(a).div(s))
SAOL_SCALAR(PowScalar, T(a).pow(s))
SAOL_SCALAR(RsubScalar, at::rsub(T(a), s))
SAOL_SCALAR(EqScalar, T(a).eq(s))
SAOL_SCALAR(NeScalar, T(a).ne(s))
SAOL_SCALAR(LtScalar, T(a).lt(s))
SAOL_SCALAR(LeScalar, T(a).le(s))
SAOL_SCALAR(GtScalar, T(a).gt(s))
SAOL_SCALAR(GeScalar, T(a).ge(s))
#undef SAOL_SCALAR

SAOL_EXPORT int32_t SaolTorch_Tensor_Clamp(void* a, double min, double max, int32_t has_min, int32_t has_max, void** out) {
    SAOL_TRY
    *out = wrap(at::clamp(T(a), has_min ? c10::optional<at::Scalar>(min) : c10::nullopt,
                          has_max ? c10::optional<at::Scalar>(max) : c10::nullopt));
    SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_Tensor_Clamp_(void* a, double min, double max, int32_t has_min, int32_t has_max) {
    SAOL_TRY
    at::clamp_(T(a), has_min ? c10::optional<at::Scalar>(min) : c10::nullopt,
               has_max ? c10::optional<at::Scalar>(max) : c10::nullopt);
    SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_Tensor_MaskedFill(void* a, void* mask, double value, void** out) {
    SAOL_TRY *out = wrap(T(a).masked_fill(T(mask), value)); SAOL_CATCH
}

// ---- in-place arithmetic -------------------------------------------------------------------

SAOL_EXPORT int32_t SaolTorch_Tensor_Add_(void* a, void* b, double alpha) { SAOL_TRY T(a).add_(T(b), alpha); SAOL_CATCH }
SAOL_EXPORT int32_t SaolTorch_Tensor_Sub_(void* a, void* b, double alpha) { SAOL_TRY T(a).sub_(T(b), alpha); SAOL_CATCH }
SAOL_EXPORT int32_t SaolTorch_Tensor_Mul_(void* a, void* b) { SAOL_TRY T(a).mul_(T(b)); SAOL_CATCH }
SAOL_EXPORT int32_t SaolTorch_Tensor_Div_(void* a, void* b) { SAOL_TRY T(a).div_(T(b)); SAOL_CATCH }
SAOL_EXPORT int32_t SaolTorch_Tensor_AddScalar_(void* a, double s, int32_t integral) { SAOL_TRY T(a).add_(saol::scalar(s, integral)); SAOL_CATCH }
SAOL_EXPORT int32_t SaolTorch_Tensor_MulScalar_(void* a, double s, int32_t integral) { SAOL_TRY T(a).mul_(saol::scalar(s, integral)); SAOL_CATCH }
SAOL_EXPORT int32_t SaolTorch_Tensor_DivScalar_(void* a, double s, int32_t integral) { SAOL_TRY T(a).div_(saol::scalar(s, integral)); SAOL_CATCH }
SAOL_EXPORT int32_t SaolTorch_Tensor_Addcmul_(void* a, void* b, void* c, double value) { SAOL_TRY T(a).addcmul_(T(b), T(c), value); SAOL_CATCH }
SAOL_EXPORT int32_t SaolTorch_Tensor_Addcdiv_(void* a, void* b, void* c, double value) { SAOL_TRY T(a).addcdiv_(T(b), T(c), value); SAOL_CATCH }
SAOL_EXPORT int32_t SaolTorch_Tensor_Lerp_(void* a, void* end, double weight) { SAOL_TRY T(a).lerp_(T(end), weight); SAOL_CATCH }
SAOL_EXPORT int32_t SaolTorch_Tensor_MaskedFill_(void* a, void* mask, double value) { SAOL_TRY T(a).masked_fill_(T(mask), value); SAOL_CATCH }

// ---- reductions over dimensions -----------------------------------------------------------

SAOL_EXPORT int32_t SaolTorch_Tensor_SumDim(void* a, const int64_t* dims, int32_t n, int32_t keepdim, int32_t dtype, void** out) {
    SAOL_TRY
    *out = wrap(dtype < 0 ? T(a).sum(ints(dims, n), keepdim != 0) : T(a).sum(ints(dims, n), keepdim != 0, saol::scalar_type(dtype)));
    SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_Tensor_MeanDim(void* a, const int64_t* dims, int32_t n, int32_t keepdim, void** out) {
    SAOL_TRY *out = wrap(T(a).mean(ints(dims, n), keepdim != 0)); SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_Tensor_Amax(void* a, const int64_t* dims, int32_t n, int32_t keepdim, void** out) {
    SAOL_TRY *out = wrap(T(a).amax(ints(dims, n), keepdim != 0)); SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_Tensor_Amin(void* a, const int64_t* dims, int32_t n, int32_t keepdim, void** out) {
    SAOL_TRY *out = wrap(T(a).amin(ints(dims, n), keepdim != 0)); SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_Tensor_Var(void* a, const int64_t* dims, int32_t n, int64_t correction, int32_t keepdim, void** out) {
    SAOL_TRY
    *out = wrap(n < 0 ? at::var(T(a), c10::nullopt, correction, keepdim != 0) : at::var(T(a), ints(dims, n), correction, keepdim != 0));
    SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_Tensor_Norm(void* a, double p, const int64_t* dims, int32_t n, int32_t keepdim, void** out) {
    SAOL_TRY *out = wrap(n < 0 ? at::norm(T(a), p) : at::norm(T(a), p, ints(dims, n), keepdim != 0)); SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_Tensor_Logsumexp(void* a, const int64_t* dims, int32_t n, int32_t keepdim, void** out) {
    SAOL_TRY *out = wrap(at::logsumexp(T(a), ints(dims, n), keepdim != 0)); SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_Tensor_Cumsum(void* a, int64_t dim, void** out) { SAOL_TRY *out = wrap(T(a).cumsum(dim)); SAOL_CATCH }

SAOL_EXPORT int32_t SaolTorch_Tensor_MaxDim(void* a, int64_t dim, int32_t keepdim, void** values, void** indices) {
    SAOL_TRY
    auto r = T(a).max(dim, keepdim != 0);
    *values = wrap(std::get<0>(r));
    *indices = wrap(std::get<1>(r));
    SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_Tensor_MinDim(void* a, int64_t dim, int32_t keepdim, void** values, void** indices) {
    SAOL_TRY
    auto r = T(a).min(dim, keepdim != 0);
    *values = wrap(std::get<0>(r));
    *indices = wrap(std::get<1>(r));
    SAOL_CATCH
}

// Without a dimension: the index into the flattened tensor.
SAOL_EXPORT int32_t SaolTorch_Tensor_Argmax(void* a, int64_t dim, int32_t has_dim, int32_t keepdim, void** out) {
    SAOL_TRY *out = wrap(T(a).argmax(has_dim ? c10::optional<int64_t>(dim) : c10::nullopt, keepdim != 0)); SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_Tensor_Argmin(void* a, int64_t dim, int32_t has_dim, int32_t keepdim, void** out) {
    SAOL_TRY *out = wrap(T(a).argmin(has_dim ? c10::optional<int64_t>(dim) : c10::nullopt, keepdim != 0)); SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_Tensor_Topk(void* a, int64_t k, int64_t dim, int32_t largest, int32_t sorted, void** values, void** indices) {
    SAOL_TRY
    auto r = T(a).topk(k, dim, largest != 0, sorted != 0);
    *values = wrap(std::get<0>(r));
    *indices = wrap(std::get<1>(r));
    SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_Tensor_Sort(void* a, int64_t dim, int32_t descending, void** values, void** indices) {
    SAOL_TRY
    auto r = T(a).sort(dim, descending != 0);
    *values = wrap(std::get<0>(r));
    *indices = wrap(std::get<1>(r));
    SAOL_CATCH
}

// ---- shape and views -----------------------------------------------------------------------

#define SAOL_SHAPE(name, expr)                                                              \
    SAOL_EXPORT int32_t SaolTorch_Tensor_##name(void* a, const int64_t* v, int32_t n, void** out) { \
        SAOL_TRY *out = wrap(expr); SAOL_CATCH                                              \
    }
SAOL_SHAPE(View, T(a).view(ints(v, n)))
SAOL_SHAPE(Reshape, T(a).reshape(ints(v, n)))
SAOL_SHAPE(Permute, T(a).permute(ints(v, n)))
SAOL_SHAPE(Expand, T(a).expand(ints(v, n)))
SAOL_SHAPE(Repeat, T(a).repeat(ints(v, n)))
SAOL_SHAPE(Flip, T(a).flip(ints(v, n)))
#undef SAOL_SHAPE

SAOL_EXPORT int32_t SaolTorch_Tensor_Narrow(void* a, int64_t dim, int64_t start, int64_t length, void** out) {
    SAOL_TRY *out = wrap(T(a).narrow(dim, start, length)); SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_Tensor_Slice(void* a, int64_t dim, int64_t start, int64_t end, int64_t step, void** out) {
    SAOL_TRY *out = wrap(T(a).slice(dim, start, end, step)); SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_Tensor_Select(void* a, int64_t dim, int64_t index, void** out) {
    SAOL_TRY *out = wrap(T(a).select(dim, index)); SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_Tensor_Transpose(void* a, int64_t dim0, int64_t dim1, void** out) {
    SAOL_TRY *out = wrap(T(a).transpose(dim0, dim1)); SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_Tensor_Flatten(void* a, int64_t start, int64_t end, void** out) {
    SAOL_TRY *out = wrap(T(a).flatten(start, end)); SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_Tensor_Unsqueeze(void* a, int64_t dim, void** out) { SAOL_TRY *out = wrap(T(a).unsqueeze(dim)); SAOL_CATCH }

SAOL_EXPORT int32_t SaolTorch_Tensor_Squeeze(void* a, int64_t dim, int32_t has_dim, void** out) {
    SAOL_TRY *out = wrap(has_dim ? T(a).squeeze(dim) : T(a).squeeze()); SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_Tensor_Cat(void** handles, int32_t n, int64_t dim, void** out) {
    SAOL_TRY *out = wrap(at::cat(tensors(handles, n), dim)); SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_Tensor_Stack(void** handles, int32_t n, int64_t dim, void** out) {
    SAOL_TRY *out = wrap(at::stack(tensors(handles, n), dim)); SAOL_CATCH
}

// Splits into pieces of `size` along `dim`; `outs` has room for `capacity` handles.
SAOL_EXPORT int32_t SaolTorch_Tensor_Split(void* a, int64_t size, int64_t dim, void** outs, int32_t capacity, int32_t* count) {
    SAOL_TRY
    auto parts = T(a).split(size, dim);
    if (static_cast<int64_t>(parts.size()) > capacity) throw std::invalid_argument("split produced more pieces than expected");
    *count = static_cast<int32_t>(parts.size());
    for (size_t i = 0; i < parts.size(); ++i) outs[i] = wrap(parts[i]);
    SAOL_CATCH
}

// ---- indexing ------------------------------------------------------------------------------

SAOL_EXPORT int32_t SaolTorch_Tensor_Gather(void* a, int64_t dim, void* index, void** out) {
    SAOL_TRY *out = wrap(T(a).gather(dim, T(index))); SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_Tensor_Scatter(void* a, int64_t dim, void* index, void* src, void** out) {
    SAOL_TRY *out = wrap(T(a).scatter(dim, T(index), T(src))); SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_Tensor_IndexSelect(void* a, int64_t dim, void* index, void** out) {
    SAOL_TRY *out = wrap(T(a).index_select(dim, T(index))); SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_Tensor_IndexAdd_(void* a, int64_t dim, void* index, void* src, double alpha) {
    SAOL_TRY T(a).index_add_(dim, T(index), T(src), alpha); SAOL_CATCH
}

// Advanced indexing with one tensor (a bool mask or int64 indices) on the first dimension.
SAOL_EXPORT int32_t SaolTorch_Tensor_Index(void* a, void* index, void** out) {
    SAOL_TRY *out = wrap(T(a).index({T(index)})); SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_Tensor_OneHot(void* a, int64_t classes, void** out) {
    SAOL_TRY *out = wrap(at::one_hot(T(a), classes)); SAOL_CATCH
}

// ---- autograd ------------------------------------------------------------------------------

SAOL_EXPORT int32_t SaolTorch_Tensor_SetRequiresGrad(void* a, int32_t value) {
    SAOL_TRY T(a).set_requires_grad(value != 0); SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_Tensor_SetGrad(void* a, void* grad) {
    SAOL_TRY
    if (grad == nullptr) T(a).mutable_grad().reset();
    else T(a).mutable_grad() = T(grad);
    SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_Tensor_Backward(void* a, void* gradient, int32_t retain_graph, int32_t create_graph) {
    SAOL_TRY
    T(a).backward(gradient ? T(gradient) : at::Tensor(), retain_graph != 0, create_graph != 0);
    SAOL_CATCH
}

// Registers a managed gradient hook. `callback(context, grad, &replacement)` runs inside
// backward; a non-zero return is a managed exception, reported through SaolTorch_SetLastError
// and rethrown here so backward fails with that message instead of the process dying.
SAOL_EXPORT int32_t SaolTorch_Tensor_RegisterHook(void* a, HookCallback callback, HookRelease release, int64_t context, int64_t* id) {
    SAOL_TRY
    if (callback == nullptr || release == nullptr) throw std::invalid_argument("hook callback is null");
    std::shared_ptr<HookContext> holder(new HookContext{callback, release, context});
    try {
        auto& t = T(a);
        if (!t.requires_grad()) throw std::invalid_argument("cannot register a hook on a tensor that does not require grad");
        *id = static_cast<int64_t>(t.register_hook([holder](const at::Tensor& grad) -> at::Tensor {
            void* replacement = nullptr;
            if (holder->callback(holder->context, new at::Tensor(grad), &replacement) != 0) {
                throw std::runtime_error(std::string("gradient hook failed: ") + saol::last_error());
            }
            if (replacement == nullptr) return at::Tensor();
            std::unique_ptr<at::Tensor> owned(static_cast<at::Tensor*>(replacement));
            return *owned;
        }));
    } catch (...) {
        // The managed side still owns its GCHandle if registration failed: do not release twice.
        holder->release = [](int64_t) {};
        throw;
    }
    SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_Tensor_RemoveHook(void* a, int64_t id) {
    SAOL_TRY T(a).remove_hook(static_cast<unsigned>(id)); SAOL_CATCH
}

// Registers a managed hook that runs after a leaf's gradient has been accumulated into .grad
// (what an all-reduce waits for). The callback gets a new handle to the leaf itself. The
// registration handle keeps the hook alive until SaolTorch_PostHook_Free removes it.
SAOL_EXPORT int32_t SaolTorch_Tensor_RegisterPostAccumulateHook(void* a, HookCallback callback, HookRelease release, int64_t context, void** registration) {
    SAOL_TRY
    if (callback == nullptr || release == nullptr) throw std::invalid_argument("hook callback is null");
    std::shared_ptr<HookContext> holder(new HookContext{callback, release, context});
    try {
        const auto& t = T(a);
        if (!t.requires_grad() || !t.is_leaf())
            throw std::invalid_argument("a post-accumulate-grad hook needs a leaf tensor that requires grad");
        auto accumulator = torch::autograd::impl::grad_accumulator(t);
        if (!accumulator) throw std::invalid_argument("the tensor has no gradient accumulator");
        at::Tensor leaf = t;
        auto key = accumulator->add_post_hook(std::make_unique<torch::autograd::utils::LambdaPostHook>(
            [holder, leaf](const torch::autograd::variable_list& outputs, const torch::autograd::variable_list&) {
                void* unused = nullptr;
                if (holder->callback(holder->context, new at::Tensor(leaf), &unused) != 0) {
                    throw std::runtime_error(std::string("gradient hook failed: ") + saol::last_error());
                }
                return outputs;
            }));
        *registration = new PostHookRegistration{std::move(accumulator), key};
    } catch (...) {
        holder->release = [](int64_t) {};
        throw;
    }
    SAOL_CATCH
}

SAOL_EXPORT void SaolTorch_PostHook_Free(void* registration) {
    auto* r = static_cast<PostHookRegistration*>(registration);
    if (r == nullptr) return;
    r->accumulator->del_post_hook(r->key);
    delete r;
}
