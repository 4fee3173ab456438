// torch.nn.functional exports: each one is the ATen op PyTorch's Python functional calls, with
// the same defaults decided on the C# side, so results match torch.nn.functional bit for bit.
#include "SaolTorch.h"

using saol::ints;
using saol::opt;
using saol::T;
using saol::wrap;

SAOL_EXPORT int32_t SaolTorch_NN_Conv2d(void* input, void* weight, void* bias, const int64_t* stride, const int64_t* padding,
                                        const int64_t* dilation, int64_t groups, void** out) {
    SAOL_TRY
    *out = wrap(at::conv2d(T(input), T(weight), opt(bias), ints(stride, 2), ints(padding, 2), ints(dilation, 2), groups));
    SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_NN_BatchNorm(void* input, void* weight, void* bias, void* running_mean, void* running_var,
                                           int32_t training, double momentum, double eps, void** out) {
    SAOL_TRY
    *out = wrap(at::batch_norm(T(input), opt(weight), opt(bias), opt(running_mean), opt(running_var), training != 0, momentum, eps,
                               /*cudnn_enabled=*/true));
    SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_NN_MaxPool2d(void* input, const int64_t* kernel, const int64_t* stride, const int64_t* padding,
                                           const int64_t* dilation, int32_t ceil_mode, void** out) {
    SAOL_TRY
    *out = wrap(at::max_pool2d(T(input), ints(kernel, 2), ints(stride, 2), ints(padding, 2), ints(dilation, 2), ceil_mode != 0));
    SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_NN_AvgPool2d(void* input, const int64_t* kernel, const int64_t* stride, const int64_t* padding,
                                           int32_t ceil_mode, int32_t count_include_pad, int64_t divisor_override, void** out) {
    SAOL_TRY
    *out = wrap(at::avg_pool2d(T(input), ints(kernel, 2), ints(stride, 2), ints(padding, 2), ceil_mode != 0, count_include_pad != 0,
                               divisor_override > 0 ? c10::optional<int64_t>(divisor_override) : c10::nullopt));
    SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_NN_AdaptiveAvgPool2d(void* input, const int64_t* output_size, void** out) {
    SAOL_TRY *out = wrap(at::adaptive_avg_pool2d(T(input), ints(output_size, 2))); SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_NN_AdaptiveMaxPool2d(void* input, const int64_t* output_size, void** out) {
    SAOL_TRY *out = wrap(std::get<0>(at::adaptive_max_pool2d(T(input), ints(output_size, 2)))); SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_NN_Linear(void* input, void* weight, void* bias, void** out) {
    SAOL_TRY *out = wrap(at::linear(T(input), T(weight), opt(bias))); SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_NN_Dropout(void* input, double p, int32_t training, void** out) {
    SAOL_TRY *out = wrap(at::dropout(T(input), p, training != 0)); SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_NN_Dropout_(void* input, double p, int32_t training) {
    SAOL_TRY at::dropout_(T(input), p, training != 0); SAOL_CATCH
}

// Either an output size (size_count == 2) or scale factors (scale_count == 2), as F.interpolate.
SAOL_EXPORT int32_t SaolTorch_NN_UpsampleBilinear2d(void* input, const int64_t* size, int32_t size_count, const double* scales,
                                                    int32_t scale_count, int32_t align_corners, void** out) {
    SAOL_TRY
    if ((size_count == 2) == (scale_count == 2)) throw std::invalid_argument("give exactly one of an output size or scale factors");
    c10::optional<at::ArrayRef<double>> factors = c10::nullopt;
    if (scale_count == 2) factors = at::ArrayRef<double>(scales, 2);
    *out = wrap(at::upsample_bilinear2d(T(input), size_count == 2 ? at::OptionalIntArrayRef(ints(size, 2)) : c10::nullopt,
                                        align_corners != 0, factors));
    SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_NN_Softmax(void* input, int64_t dim, int32_t dtype, void** out) {
    SAOL_TRY
    *out = wrap(dtype < 0 ? at::softmax(T(input), dim) : at::softmax(T(input), dim, saol::scalar_type(dtype)));
    SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_NN_LogSoftmax(void* input, int64_t dim, int32_t dtype, void** out) {
    SAOL_TRY
    *out = wrap(dtype < 0 ? at::log_softmax(T(input), dim) : at::log_softmax(T(input), dim, saol::scalar_type(dtype)));
    SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_NN_CrossEntropy(void* input, void* target, void* weight, int64_t reduction, int64_t ignore_index,
                                              double label_smoothing, void** out) {
    SAOL_TRY
    *out = wrap(at::cross_entropy_loss(T(input), T(target), opt(weight), reduction, ignore_index, label_smoothing));
    SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_NN_NllLoss(void* input, void* target, void* weight, int64_t reduction, int64_t ignore_index, void** out) {
    SAOL_TRY *out = wrap(at::nll_loss_nd(T(input), T(target), opt(weight), reduction, ignore_index)); SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_NN_BinaryCrossEntropy(void* input, void* target, void* weight, int64_t reduction, void** out) {
    SAOL_TRY *out = wrap(at::binary_cross_entropy(T(input), T(target), opt(weight), reduction)); SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_NN_BinaryCrossEntropyWithLogits(void* input, void* target, void* weight, void* pos_weight,
                                                              int64_t reduction, void** out) {
    SAOL_TRY
    *out = wrap(at::binary_cross_entropy_with_logits(T(input), T(target), opt(weight), opt(pos_weight), reduction));
    SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_NN_KlDiv(void* input, void* target, int64_t reduction, int32_t log_target, void** out) {
    SAOL_TRY *out = wrap(at::kl_div(T(input), T(target), reduction, log_target != 0)); SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_NN_MseLoss(void* input, void* target, int64_t reduction, void** out) {
    SAOL_TRY *out = wrap(at::mse_loss(T(input), T(target), reduction)); SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_NN_L1Loss(void* input, void* target, int64_t reduction, void** out) {
    SAOL_TRY *out = wrap(at::l1_loss(T(input), T(target), reduction)); SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_NN_Silu(void* input, void** out) { SAOL_TRY *out = wrap(at::silu(T(input))); SAOL_CATCH }

SAOL_EXPORT int32_t SaolTorch_NN_Gelu(void* input, void** out) { SAOL_TRY *out = wrap(at::gelu(T(input))); SAOL_CATCH }

SAOL_EXPORT int32_t SaolTorch_NN_LeakyRelu(void* input, double slope, void** out) {
    SAOL_TRY *out = wrap(at::leaky_relu(T(input), slope)); SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_NN_Hardtanh(void* input, double min, double max, void** out) {
    SAOL_TRY *out = wrap(at::hardtanh(T(input), min, max)); SAOL_CATCH
}

SAOL_EXPORT int32_t SaolTorch_NN_Pad(void* input, const int64_t* pad, int32_t n, double value, void** out) {
    SAOL_TRY *out = wrap(at::constant_pad_nd(T(input), ints(pad, n), value)); SAOL_CATCH
}
