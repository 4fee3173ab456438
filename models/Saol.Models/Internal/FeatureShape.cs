namespace Saol.Models.Internal;

/// <summary>Channels and spatial size of one feature map, for the analytic MAC count.</summary>
internal readonly record struct FeatureShape(long Channels, long Height, long Width);

/// <summary>A module that can count its multiply-accumulates for one input image analytically.</summary>
internal interface IMacCounted
{
    /// <summary>Returns the MACs of a forward pass on one image of <paramref name="input"/> and its output shape.</summary>
    (long Macs, FeatureShape Output) CountMacs(FeatureShape input);
}
