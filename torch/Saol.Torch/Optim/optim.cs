using Saol.Torch.Optim;

namespace Saol.Torch;

public static partial class torch
{
    /// <summary>Optimizers (torch.optim).</summary>
    public static class optim
    {
        /// <summary>SGD over one group of parameters (torch.optim.SGD).</summary>
        public static SGD SGD(IEnumerable<Tensor> parameters, double lr, double momentum = 0, double dampening = 0, double weight_decay = 0, bool nesterov = false, bool maximize = false)
        {
            ArgumentNullException.ThrowIfNull(parameters);
            return new([new ParamGroup(parameters)], lr, momentum, dampening, weight_decay, nesterov, maximize);
        }

        /// <summary>SGD over several parameter groups; each group's unset hyper-parameters take these defaults.</summary>
        public static SGD SGD(IEnumerable<ParamGroup> groups, double lr, double momentum = 0, double dampening = 0, double weight_decay = 0, bool nesterov = false, bool maximize = false) =>
            new(groups, lr, momentum, dampening, weight_decay, nesterov, maximize);
    }
}
