global using Saol.Rpc;
global using Saol.TestKit;
global using Xunit;
