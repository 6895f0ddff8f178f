using BenchmarkDotNet.Running;
using Umbra.Bench;

// `dotnet run -c Release --project bench/Umbra.Bench -- engine M.gguf [prompt-tokens] [gen-tokens]`
// `dotnet run -c Release --project bench/Umbra.Bench -- network M.gguf [runs]`
// `dotnet run -c Release --project bench/Umbra.Bench -- load [providers] [rate/s] [seconds] [ttft-ms] [itl-ms] [tokens] [slots]`
// `dotnet run -c Release --project bench/Umbra.Bench -- fleet [routing|latency|connections] [count]` (coordinator limits)
// `dotnet run -c Release --project bench/Umbra.Bench -- kernels [runs]` (quick one-thread kernel timings)
// `dotnet run -c Release --project bench/Umbra.Bench -- ports [rounds]` (the VNNI tile's body against its port bound)
// prints the end-to-end figures; any other arguments go to BenchmarkDotNet's suites (kernels, sealing,
// attestation: `-- --filter '*Attestation*'`), which it finds in this assembly.
if (args.Length >= 2 && args[0] == "engine")
    return await EngineHarness.RunAsync(args[1..]);
if (args.Length >= 1 && args[0] == "load")
    return await LoadHarness.RunAsync(args[1..]);
if (args.Length >= 1 && args[0] == "fleet")
    return await FleetHarness.RunAsync(args[1..]);
if (args.Length >= 1 && args[0] == "fleet-coordinator")
    return await FleetHarness.HostAsync();
if (args.Length >= 1 && args[0] == "kernels")
    return KernelHarness.Run(args[1..]);
if (args.Length >= 1 && args[0] == "ports")
    return PortHarness.Run(args[1..]);
if (args.Length >= 2 && args[0] == "network")
    return await NetworkHarness.RunAsync(args[1..]);
BenchmarkSwitcher.FromAssembly(typeof(EngineHarness).Assembly).Run(args);
return 0;
