using System.Reflection;

namespace Saol.Torch;

public static partial class torch
{
    public static partial class nn
    {
        /// <summary>
        /// The base of every layer and model, as <c>torch.nn.Module</c>: it owns named parameters,
        /// buffers and submodules in registration order, and names them as PyTorch does
        /// ("layer1.0.conv1.weight", "bn1.running_mean"), so state dicts interchange with PyTorch.
        /// </summary>
        public abstract class Module : IDisposable
        {
            private readonly OrderedDictionary<string, Parameter?> _parameters = new(StringComparer.Ordinal);
            private readonly OrderedDictionary<string, Tensor?> _buffers = new(StringComparer.Ordinal);
            private readonly HashSet<string> _nonPersistent = new(StringComparer.Ordinal);
            private readonly OrderedDictionary<string, Module> _modules = new(StringComparer.Ordinal);
            private bool _disposed;

            /// <summary>Creates a module with the given name (used by <see cref="ToString"/>).</summary>
            protected Module(string name)
            {
                Name = name;
            }

            /// <summary>The module's type name, as given by its constructor.</summary>
            public string Name { get; }

            /// <summary>True in training mode (the default), false after <see cref="eval"/>.</summary>
            public bool training { get; private set; } = true;

            /// <summary>Registers (or replaces) a parameter; null registers the name with no value (as a bias=False).</summary>
            public void register_parameter(string name, Parameter? parameter)
            {
                CheckName(name, _parameters.ContainsKey(name) ? null : "parameter");
                parameter?.DetachFromDisposeScope();
                _parameters[name] = parameter;
            }

            /// <summary>Registers (or replaces) a buffer: state that is not learned (running statistics).</summary>
            public void register_buffer(string name, Tensor? tensor, bool persistent = true)
            {
                CheckName(name, _buffers.ContainsKey(name) ? null : "buffer");
                tensor?.DetachFromDisposeScope();
                _buffers[name] = tensor;
                if (persistent)
                {
                    _nonPersistent.Remove(name);
                }
                else
                {
                    _nonPersistent.Add(name);
                }
            }

            /// <summary>Registers (or replaces) a submodule.</summary>
            public void register_module(string name, Module module)
            {
                ArgumentNullException.ThrowIfNull(module);
                CheckName(name, _modules.ContainsKey(name) ? null : "module");
                _modules[name] = module;
            }

            private void CheckName(string name, string? kind)
            {
                ArgumentException.ThrowIfNullOrEmpty(name);
                if (name.Contains('.', StringComparison.Ordinal))
                {
                    throw new ArgumentException($"name '{name}' must not contain '.'", nameof(name));
                }
                if (kind is not null && (_parameters.ContainsKey(name) || _buffers.ContainsKey(name) || _modules.ContainsKey(name)))
                {
                    throw new ArgumentException($"'{name}' is already registered on {Name}; cannot register it as a {kind}", nameof(name));
                }
            }

            /// <summary>
            /// Registers every field of the derived types that holds a <see cref="Module"/> or a
            /// <see cref="Parameter"/>, named after the field (a leading '_' removed), in declaration
            /// order, as TorchSharp does. Buffers are registered explicitly with <see cref="register_buffer"/>.
            /// </summary>
            protected void RegisterComponents()
            {
                var chain = new Stack<Type>();
                for (var t = GetType(); t is not null && t != typeof(Module); t = t.BaseType)
                {
                    chain.Push(t);
                }
                foreach (var type in chain)
                {
                    foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                    {
                        var name = field.Name.TrimStart('_');
                        if (name.Length == 0 || field.Name.Contains('<', StringComparison.Ordinal))
                        {
                            continue;
                        }
                        switch (field.GetValue(this))
                        {
                            case Module m when !_modules.ContainsKey(name):
                                register_module(name, m);
                                break;
                            case Parameter p when !_parameters.ContainsKey(name):
                                register_parameter(name, p);
                                break;
                        }
                    }
                }
            }

            /// <summary>Parameters with their dotted names, this module's first, then each submodule's.</summary>
            public IEnumerable<(string name, Parameter parameter)> named_parameters(bool recurse = true)
            {
                foreach (var (prefix, module) in Walk(recurse))
                {
                    foreach (var (name, p) in module._parameters)
                    {
                        if (p is not null)
                        {
                            yield return (prefix + name, p);
                        }
                    }
                }
            }

            /// <summary>Every parameter, in <see cref="named_parameters"/> order.</summary>
            public IEnumerable<Parameter> parameters(bool recurse = true) => named_parameters(recurse).Select(p => p.parameter);

            /// <summary>Buffers with their dotted names.</summary>
            public IEnumerable<(string name, Tensor buffer)> named_buffers(bool recurse = true)
            {
                foreach (var (prefix, module) in Walk(recurse))
                {
                    foreach (var (name, b) in module._buffers)
                    {
                        if (b is not null)
                        {
                            yield return (prefix + name, b);
                        }
                    }
                }
            }

            /// <summary>Every buffer, in <see cref="named_buffers"/> order.</summary>
            public IEnumerable<Tensor> buffers(bool recurse = true) => named_buffers(recurse).Select(b => b.buffer);

            /// <summary>The direct submodules with their names.</summary>
            public IEnumerable<(string name, Module module)> named_children() => _modules.Select(kv => (kv.Key, kv.Value));

            /// <summary>The direct submodules.</summary>
            public IEnumerable<Module> children() => _modules.Values;

            /// <summary>This module ("") and every descendant, with dotted names, depth first.</summary>
            public IEnumerable<(string name, Module module)> named_modules() =>
                Walk(recurse: true).Select(w => (w.prefix.TrimEnd('.'), w.module));

            /// <summary>This module and every descendant.</summary>
            public IEnumerable<Module> modules() => named_modules().Select(m => m.module);

            private IEnumerable<(string prefix, Module module)> Walk(bool recurse)
            {
                yield return ("", this);
                if (!recurse)
                {
                    yield break;
                }
                foreach (var (name, child) in _modules)
                {
                    foreach (var (prefix, m) in child.Walk(recurse: true))
                    {
                        yield return (name + "." + prefix, m);
                    }
                }
            }

            /// <summary>
            /// Parameters and persistent buffers by dotted name. The values are the module's own
            /// tensors (no copies): read or copy them, do not dispose them.
            /// </summary>
            public Dictionary<string, Tensor> state_dict()
            {
                var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
                foreach (var (prefix, module) in Walk(recurse: true))
                {
                    foreach (var (name, p) in module._parameters)
                    {
                        if (p is not null)
                        {
                            result[prefix + name] = p;
                        }
                    }
                    foreach (var (name, b) in module._buffers)
                    {
                        if (b is not null && !module._nonPersistent.Contains(name))
                        {
                            result[prefix + name] = b;
                        }
                    }
                }
                return result;
            }

            /// <summary>
            /// Copies values from <paramref name="source"/> into the module's parameters and buffers
            /// (converting dtype and device). With <paramref name="strict"/>, missing or unexpected
            /// keys are an error; a shape mismatch always is.
            /// </summary>
            public (IList<string> missing_keys, IList<string> unexpected_keys) load_state_dict(IReadOnlyDictionary<string, Tensor> source, bool strict = true)
            {
                ArgumentNullException.ThrowIfNull(source);
                var own = state_dict();
                var missing = own.Keys.Where(k => !source.ContainsKey(k)).ToList();
                var unexpected = source.Keys.Where(k => !own.ContainsKey(k)).ToList();
                if (strict && (missing.Count > 0 || unexpected.Count > 0))
                {
                    throw new ArgumentException(
                        $"state dict does not match {Name}: missing [{string.Join(", ", missing)}], unexpected [{string.Join(", ", unexpected)}]", nameof(source));
                }
                foreach (var (name, target) in own)
                {
                    if (source.TryGetValue(name, out var value))
                    {
                        var have = target.shape;
                        var got = value.shape;
                        if (!have.AsSpan().SequenceEqual(got))
                        {
                            throw new ArgumentException($"size mismatch for {name}: the module has [{string.Join(", ", have)}], the state dict [{string.Join(", ", got)}]", nameof(source));
                        }
                    }
                }
                using (no_grad())
                {
                    foreach (var (name, target) in own)
                    {
                        if (source.TryGetValue(name, out var value))
                        {
                            target.copy_(value);
                        }
                    }
                }
                return (missing, unexpected);
            }

            /// <summary>Sets training mode on this module and every descendant.</summary>
            public Module train(bool mode = true)
            {
                foreach (var m in modules())
                {
                    m.training = mode;
                }
                return this;
            }

            /// <summary>Sets evaluation mode (<c>train(false)</c>).</summary>
            public Module eval() => train(false);

            /// <summary>Moves every parameter and buffer to <paramref name="device"/>, keeping their identities.</summary>
            public Module to(Device device)
            {
                ArgumentNullException.ThrowIfNull(device);
                return Convert(t => t.to(null, device));
            }

            /// <summary>Converts floating-point parameters and buffers to <paramref name="dtype"/> (integer buffers stay).</summary>
            public Module to(ScalarType dtype) =>
                Convert(t => t.dtype is ScalarType.Float32 or ScalarType.Float64 or ScalarType.Float16 or ScalarType.BFloat16 ? t.to(dtype) : t.alias());

            private Module Convert(Func<Tensor, Tensor> convert)
            {
                using var scope = NewDisposeScope();
                using (no_grad())
                {
                    foreach (var t in parameters().Cast<Tensor>().Concat(buffers()))
                    {
                        t.set_data(convert(t));
                        // As PyTorch's _apply: an existing gradient follows its parameter.
                        if (t.grad is { } g)
                        {
                            t.grad = convert(g);
                        }
                    }
                }
                return this;
            }

            /// <summary>Zeroes (or, with <paramref name="set_to_none"/>, drops) every parameter's gradient.</summary>
            public void zero_grad(bool set_to_none = false)
            {
                foreach (var p in parameters())
                {
                    ZeroGrad(p, set_to_none);
                }
            }

            internal static void ZeroGrad(Tensor parameter, bool setToNone)
            {
                if (setToNone)
                {
                    parameter.grad = null;
                    return;
                }
                using var g = parameter.grad;
                if (g is not null)
                {
                    g.detach_().zero_();
                }
            }

            /// <summary>Calls <paramref name="fn"/> on every descendant and then on this module.</summary>
            public Module apply(Action<Module> fn)
            {
                ArgumentNullException.ThrowIfNull(fn);
                foreach (var child in _modules.Values)
                {
                    child.apply(fn);
                }
                fn(this);
                return this;
            }

            /// <summary>The module tree, one line per module.</summary>
            public override string ToString()
            {
                var sb = new System.Text.StringBuilder();
                Describe(sb, "", 0);
                return sb.ToString();
            }

            private void Describe(System.Text.StringBuilder sb, string label, int depth)
            {
                sb.Append(' ', depth * 2).Append(label.Length > 0 ? label + ": " : "").Append(Name).AppendLine();
                foreach (var (name, child) in _modules)
                {
                    child.Describe(sb, name, depth + 1);
                }
            }

            /// <summary>Disposes every parameter, buffer and submodule.</summary>
            public void Dispose()
            {
                Dispose(true);
                GC.SuppressFinalize(this);
            }

            /// <summary>Disposes every parameter, buffer and submodule.</summary>
            protected virtual void Dispose(bool disposing)
            {
                if (_disposed || !disposing)
                {
                    return;
                }
                _disposed = true;
                foreach (var m in _modules.Values)
                {
                    m.Dispose();
                }
                foreach (var p in _parameters.Values)
                {
                    p?.Dispose();
                }
                foreach (var b in _buffers.Values)
                {
                    b?.Dispose();
                }
            }
        }

        /// <summary>A module with one input and one output (TorchSharp's <c>Module&lt;T, TResult&gt;</c>).</summary>
        public abstract class Module<T, TResult> : Module
        {
            /// <summary>Creates a module with the given name.</summary>
            protected Module(string name)
                : base(name)
            {
            }

            /// <summary>Computes the module's output.</summary>
            public abstract TResult forward(T input);

            /// <summary>Computes the module's output (PyTorch's <c>module(x)</c>).</summary>
            public TResult call(T input) => forward(input);
        }

        /// <summary>A module with two inputs and one output.</summary>
        public abstract class Module<T1, T2, TResult> : Module
        {
            /// <summary>Creates a module with the given name.</summary>
            protected Module(string name)
                : base(name)
            {
            }

            /// <summary>Computes the module's output.</summary>
            public abstract TResult forward(T1 input1, T2 input2);

            /// <summary>Computes the module's output (PyTorch's <c>module(x, y)</c>).</summary>
            public TResult call(T1 input1, T2 input2) => forward(input1, input2);
        }
    }
}
