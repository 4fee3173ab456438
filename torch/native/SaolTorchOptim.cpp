// Optimizer exports: the whole update of one parameter group in one call, so a step costs one
// transition instead of several per parameter.
#include "SaolTorch.h"

using saol::T;

// torch.optim.SGD's single-tensor update (torch 1.13, _single_tensor_sgd) for one group.
// `buffers[i]` is a momentum buffer handle or null; a new buffer is handed back in place.
// Parameters without a gradient are skipped, as in PyTorch.
SAOL_EXPORT int32_t SaolTorch_Optim_SgdStep(void** params, void** buffers, int32_t count, double lr, double momentum, double dampening,
                                            double weight_decay, int32_t nesterov, int32_t maximize) {
    SAOL_TRY
    if (count < 0 || (count > 0 && (params == nullptr || buffers == nullptr))) throw std::invalid_argument("invalid parameter list");
    at::NoGradGuard no_grad;
    for (int32_t i = 0; i < count; ++i) {
        auto& param = T(params[i]);
        const auto& grad = param.grad();
        if (!grad.defined()) continue;
        at::Tensor d_p = maximize ? grad.neg() : grad;
        if (weight_decay != 0) d_p = d_p.add(param, weight_decay);
        if (momentum != 0) {
            if (buffers[i] == nullptr) {
                buffers[i] = new at::Tensor(d_p.clone().detach());
                if (nesterov) d_p = d_p.add(T(buffers[i]), momentum);
                else d_p = T(buffers[i]);
            } else {
                auto& buf = T(buffers[i]);
                buf.mul_(momentum).add_(d_p, 1 - dampening);
                if (nesterov) d_p = d_p.add(buf, momentum);
                else d_p = buf;
            }
        }
        param.add_(d_p, -lr);
    }
    SAOL_CATCH
}

// Clips the total norm of the gradients of `params` (torch.nn.utils.clip_grad_norm_) and reports it.
SAOL_EXPORT int32_t SaolTorch_Optim_ClipGradNorm(void** params, int32_t count, double max_norm, double norm_type, double* total) {
    SAOL_TRY
    at::NoGradGuard no_grad;
    std::vector<at::Tensor> norms;
    std::vector<at::Tensor> grads;
    for (int32_t i = 0; i < count; ++i) {
        const auto& g = T(params[i]).grad();
        if (g.defined()) {
            grads.push_back(g);
            norms.push_back(std::isinf(norm_type) ? g.abs().max() : at::norm(g, norm_type));
        }
    }
    if (grads.empty()) {
        *total = 0;
        return saol::kOk;
    }
    auto total_norm = std::isinf(norm_type) ? at::stack(norms).max() : at::norm(at::stack(norms), norm_type);
    auto coef = (max_norm / (total_norm + 1e-6)).clamp_max(1.0);
    for (auto& g : grads) g.mul_(coef);
    *total = total_norm.item<double>();
    SAOL_CATCH
}
