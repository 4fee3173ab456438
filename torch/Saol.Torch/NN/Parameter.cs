using Saol.Torch.Internal;

namespace Saol.Torch;

public static partial class torch
{
    public static partial class nn
    {
        /// <summary>
        /// A tensor that is a module's learnable parameter. It shares storage with the tensor it was
        /// made from (as <c>torch.nn.Parameter</c>), requires grad by default, and is never owned by
        /// a dispose scope: the module that registers it disposes it.
        /// </summary>
        public sealed class Parameter : Tensor
        {
            /// <summary>Makes a parameter over <paramref name="data"/>'s storage, outside any autograd graph.</summary>
            public Parameter(Tensor data, bool requires_grad = true)
                : base(DetachedAlias(data))
            {
                this.requires_grad = requires_grad;
            }

            private static Tensor DetachedAlias(Tensor data)
            {
                ArgumentNullException.ThrowIfNull(data);
                Interop.Check(Interop.SaolTorch_Tensor_Detach(data.Handle, out var alias));
                return new Tensor(alias);
            }
        }
    }
}
