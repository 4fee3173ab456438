using System.Buffers;

namespace Saol.Rpc;

/// <summary>
/// Turns messages into payload bytes and back (as <c>Grpc.Core.Marshaller</c>). The contextual
/// form writes straight into the transport's buffers and reads from them without a copy, which
/// is what protoc-generated stubs use for protobuf messages.
/// </summary>
public sealed class Marshaller<T>
{
    /// <summary>Creates a marshaller from array-based functions.</summary>
    public Marshaller(Func<T, byte[]> serializer, Func<byte[], T> deserializer)
    {
        ArgumentNullException.ThrowIfNull(serializer);
        ArgumentNullException.ThrowIfNull(deserializer);
        Serializer = serializer;
        Deserializer = deserializer;
        ContextualSerializer = (value, context) => context.Complete(serializer(value));
        ContextualDeserializer = context => deserializer(context.PayloadAsNewBuffer());
    }

    /// <summary>Creates a marshaller from contextual functions.</summary>
    public Marshaller(Action<T, SerializationContext> serializer, Func<DeserializationContext, T> deserializer)
    {
        ArgumentNullException.ThrowIfNull(serializer);
        ArgumentNullException.ThrowIfNull(deserializer);
        ContextualSerializer = serializer;
        ContextualDeserializer = deserializer;
        Serializer = value =>
        {
            var context = new ArraySerializationContext();
            serializer(value, context);
            return context.Result;
        };
        Deserializer = payload => deserializer(new ArrayDeserializationContext(payload));
    }

    /// <summary>Array-based serializer.</summary>
    public Func<T, byte[]> Serializer { get; }

    /// <summary>Array-based deserializer.</summary>
    public Func<byte[], T> Deserializer { get; }

    /// <summary>Contextual serializer (the transport's path).</summary>
    public Action<T, SerializationContext> ContextualSerializer { get; }

    /// <summary>Contextual deserializer (the transport's path).</summary>
    public Func<DeserializationContext, T> ContextualDeserializer { get; }

    private sealed class ArraySerializationContext : SerializationContext
    {
        private ArrayBufferWriter<byte>? _writer;
        private byte[]? _result;

        public byte[] Result => _result ?? throw new InvalidOperationException("The serializer did not complete the payload.");

        public override void Complete(byte[] payload) => _result = payload;

        public override IBufferWriter<byte> GetBufferWriter() => _writer ??= new ArrayBufferWriter<byte>();

        public override void Complete() => _result = _writer?.WrittenSpan.ToArray() ?? [];
    }

    private sealed class ArrayDeserializationContext(byte[] payload) : DeserializationContext
    {
        public override int PayloadLength => payload.Length;

        public override byte[] PayloadAsNewBuffer() => payload.ToArray();

        public override ReadOnlySequence<byte> PayloadAsReadOnlySequence() => new(payload);
    }
}

/// <summary>Factory methods for marshallers (as <c>Grpc.Core.Marshallers</c>).</summary>
public static class Marshallers
{
    /// <summary>A marshaller from array-based functions.</summary>
    public static Marshaller<T> Create<T>(Func<T, byte[]> serializer, Func<byte[], T> deserializer) => new(serializer, deserializer);

    /// <summary>A marshaller from contextual functions (what protoc-generated stubs use).</summary>
    public static Marshaller<T> Create<T>(Action<T, SerializationContext> serializer, Func<DeserializationContext, T> deserializer) => new(serializer, deserializer);

    /// <summary>UTF-8 strings.</summary>
    public static Marshaller<string> StringMarshaller { get; } = new(System.Text.Encoding.UTF8.GetBytes, System.Text.Encoding.UTF8.GetString);
}

/// <summary>Where a serializer writes one message's payload (as <c>Grpc.Core.SerializationContext</c>).</summary>
public abstract class SerializationContext
{
    /// <summary>Completes the payload with a whole array.</summary>
    public virtual void Complete(byte[] payload) => throw new NotSupportedException();

    /// <summary>Buffer writer for the payload; call <see cref="Complete()"/> when done. Call <see cref="SetPayloadLength"/> first when the length is known, so the transport writes in place.</summary>
    public virtual IBufferWriter<byte> GetBufferWriter() => throw new NotSupportedException();

    /// <summary>Announces the payload length before writing through <see cref="GetBufferWriter"/>.</summary>
    public virtual void SetPayloadLength(int payloadLength)
    {
    }

    /// <summary>Completes a payload written through <see cref="GetBufferWriter"/>.</summary>
    public virtual void Complete() => throw new NotSupportedException();
}

/// <summary>One received message's payload (as <c>Grpc.Core.DeserializationContext</c>).</summary>
public abstract class DeserializationContext
{
    /// <summary>The payload length in bytes.</summary>
    public abstract int PayloadLength { get; }

    /// <summary>A fresh copy of the payload.</summary>
    public virtual byte[] PayloadAsNewBuffer() => PayloadAsReadOnlySequence().ToArray();

    /// <summary>The payload in the transport's buffers, valid only during the deserializer call.</summary>
    public abstract ReadOnlySequence<byte> PayloadAsReadOnlySequence();
}
