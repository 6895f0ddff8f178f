using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Microsoft.Win32.SafeHandles;

namespace Umbra.Provider.Identity.SecureEnclave;

/// <summary>
/// The few Security.framework and CoreFoundation functions and constants the Secure Enclave keys need,
/// bound by P/Invoke. Constants (kSecAttr..., kSecKeyAlgorithm...) are exported CFStringRef variables, read
/// once from the framework images.
/// </summary>
[SupportedOSPlatform("macos")]
internal static partial class AppleSecurityInterop
{
    private const string SecurityLibrary = "/System/Library/Frameworks/Security.framework/Security";
    private const string CoreFoundationLibrary = "/System/Library/Frameworks/CoreFoundation.framework/CoreFoundation";

    private const nint CFNumberSInt32Type = 3;
    private const uint CFStringEncodingUtf8 = 0x08000100;

    /// <summary>kSecAccessControlPrivateKeyUsage: the key may be used for signing and key exchange.</summary>
    private const nuint AccessControlPrivateKeyUsage = 1u << 30;

    private static readonly Lazy<Constants> Loaded = new(Constants.Load);

    internal static Constants Names => Loaded.Value;

    /// <summary>CFTypeRef owner: CFRelease on dispose.</summary>
    internal sealed class CFHandle : SafeHandleZeroOrMinusOneIsInvalid
    {
        public CFHandle() : base(ownsHandle: true)
        {
        }

        public CFHandle(IntPtr handle) : base(ownsHandle: true) => SetHandle(handle);

        protected override bool ReleaseHandle()
        {
            CFRelease(handle);
            return true;
        }
    }

    internal sealed class Constants
    {
        public required IntPtr KeyCallBacks { get; init; }
        public required IntPtr ValueCallBacks { get; init; }
        public required IntPtr AttrKeyType { get; init; }
        public required IntPtr AttrKeyTypeEcSecPrimeRandom { get; init; }
        public required IntPtr AttrKeySizeInBits { get; init; }
        public required IntPtr AttrKeyClass { get; init; }
        public required IntPtr AttrKeyClassPublic { get; init; }
        public required IntPtr AttrTokenId { get; init; }
        public required IntPtr AttrTokenIdSecureEnclave { get; init; }
        public required IntPtr PrivateKeyAttrs { get; init; }
        public required IntPtr AttrAccessControl { get; init; }
        public required IntPtr AttrAccessibleAfterFirstUnlockThisDeviceOnly { get; init; }
        public required IntPtr AlgorithmEcdsaMessageX962Sha256 { get; init; }
        public required IntPtr AlgorithmEcdhStandard { get; init; }

        public static Constants Load()
        {
            IntPtr security = NativeLibrary.Load(SecurityLibrary);
            IntPtr coreFoundation = NativeLibrary.Load(CoreFoundationLibrary);
            IntPtr Value(IntPtr library, string name) => Marshal.ReadIntPtr(NativeLibrary.GetExport(library, name));
            return new Constants
            {
                // The callbacks are structures: their address is what CFDictionaryCreateMutable wants.
                KeyCallBacks = NativeLibrary.GetExport(coreFoundation, "kCFTypeDictionaryKeyCallBacks"),
                ValueCallBacks = NativeLibrary.GetExport(coreFoundation, "kCFTypeDictionaryValueCallBacks"),
                AttrKeyType = Value(security, "kSecAttrKeyType"),
                AttrKeyTypeEcSecPrimeRandom = Value(security, "kSecAttrKeyTypeECSECPrimeRandom"),
                AttrKeySizeInBits = Value(security, "kSecAttrKeySizeInBits"),
                AttrKeyClass = Value(security, "kSecAttrKeyClass"),
                AttrKeyClassPublic = Value(security, "kSecAttrKeyClassPublic"),
                AttrTokenId = Value(security, "kSecAttrTokenID"),
                AttrTokenIdSecureEnclave = Value(security, "kSecAttrTokenIDSecureEnclave"),
                PrivateKeyAttrs = Value(security, "kSecPrivateKeyAttrs"),
                AttrAccessControl = Value(security, "kSecAttrAccessControl"),
                AttrAccessibleAfterFirstUnlockThisDeviceOnly = Value(security, "kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly"),
                AlgorithmEcdsaMessageX962Sha256 = Value(security, "kSecKeyAlgorithmECDSASignatureMessageX962SHA256"),
                AlgorithmEcdhStandard = Value(security, "kSecKeyAlgorithmECDHKeyExchangeStandard"),
            };
        }
    }

    /// <summary>A new P-256 private key generated inside the Secure Enclave, not stored in any keychain.</summary>
    internal static CFHandle CreateEnclaveKey()
    {
        var names = Names;
        using var access = Check(SecAccessControlCreateWithFlags(
            IntPtr.Zero, names.AttrAccessibleAfterFirstUnlockThisDeviceOnly, AccessControlPrivateKeyUsage, out IntPtr accessError),
            accessError, "SecAccessControlCreateWithFlags");
        using var privateAttributes = NewDictionary();
        CFDictionarySetValue(privateAttributes, names.AttrAccessControl, access.DangerousGetHandle());
        using var size = NewInt32(256);
        using var parameters = NewDictionary();
        CFDictionarySetValue(parameters, names.AttrKeyType, names.AttrKeyTypeEcSecPrimeRandom);
        CFDictionarySetValue(parameters, names.AttrKeySizeInBits, size.DangerousGetHandle());
        CFDictionarySetValue(parameters, names.AttrTokenId, names.AttrTokenIdSecureEnclave);
        CFDictionarySetValue(parameters, names.PrivateKeyAttrs, privateAttributes.DangerousGetHandle());
        return Check(SecKeyCreateRandomKey(parameters, out IntPtr error), error, "SecKeyCreateRandomKey");
    }

    /// <summary>The key's public point as SEC1 uncompressed bytes (65 for P-256).</summary>
    internal static byte[] PublicPoint(CFHandle privateKey)
    {
        IntPtr publicKey = SecKeyCopyPublicKey(privateKey);
        if (publicKey == IntPtr.Zero)
            throw new SecureEnclaveException("SecKeyCopyPublicKey returned no public key.");
        using var publicHandle = new CFHandle(publicKey);
        using var data = Check(SecKeyCopyExternalRepresentation(publicHandle, out IntPtr error), error, "SecKeyCopyExternalRepresentation");
        return ToArray(data);
    }

    /// <summary>ECDSA over SHA-256(<paramref name="message"/>), in the DER (X9.62) form Security.framework returns.</summary>
    internal static byte[] SignMessage(CFHandle privateKey, ReadOnlySpan<byte> message)
    {
        using var data = NewData(message);
        using var signature = Check(SecKeyCreateSignature(privateKey, Names.AlgorithmEcdsaMessageX962Sha256, data, out IntPtr error),
            error, "SecKeyCreateSignature");
        return ToArray(signature);
    }

    /// <summary>The raw ECDH shared secret (the x coordinate) with a peer's SEC1 point.</summary>
    internal static byte[] KeyExchange(CFHandle privateKey, ReadOnlySpan<byte> peerPoint)
    {
        var names = Names;
        using var keyData = NewData(peerPoint);
        using var size = NewInt32(256);
        using var attributes = NewDictionary();
        CFDictionarySetValue(attributes, names.AttrKeyType, names.AttrKeyTypeEcSecPrimeRandom);
        CFDictionarySetValue(attributes, names.AttrKeyClass, names.AttrKeyClassPublic);
        CFDictionarySetValue(attributes, names.AttrKeySizeInBits, size.DangerousGetHandle());
        using var peer = Check(SecKeyCreateWithData(keyData, attributes, out IntPtr keyError), keyError, "SecKeyCreateWithData");
        using var parameters = NewDictionary();
        using var secret = Check(SecKeyCopyKeyExchangeResult(privateKey, names.AlgorithmEcdhStandard, peer, parameters, out IntPtr error),
            error, "SecKeyCopyKeyExchangeResult");
        return ToArray(secret);
    }

    private static CFHandle Check(IntPtr result, IntPtr error, string function)
    {
        if (result != IntPtr.Zero)
        {
            if (error != IntPtr.Zero)
                CFRelease(error);
            return new CFHandle(result);
        }
        if (error == IntPtr.Zero)
            throw new SecureEnclaveException($"{function} failed without saying why.");
        try
        {
            throw new SecureEnclaveException($"{function} failed: {Describe(error)} (CFError {CFErrorGetCode(error)}).");
        }
        finally
        {
            CFRelease(error);
        }
    }

    private static unsafe string Describe(IntPtr error)
    {
        IntPtr description = CFErrorCopyDescription(error);
        if (description == IntPtr.Zero)
            return "no description";
        try
        {
            // Each UTF-16 unit takes at most three UTF-8 bytes.
            nint capacity = CFStringGetLength(description) * 3 + 1;
            byte[] buffer = new byte[capacity];
            fixed (byte* p = buffer)
            {
                if (!CFStringGetCString(description, p, capacity, CFStringEncodingUtf8))
                    return "an undecodable description";
            }
            int end = Array.IndexOf(buffer, (byte)0);
            return System.Text.Encoding.UTF8.GetString(buffer, 0, end < 0 ? buffer.Length : end);
        }
        finally
        {
            CFRelease(description);
        }
    }

    private static CFHandle NewDictionary() =>
        new(CFDictionaryCreateMutable(IntPtr.Zero, 0, Names.KeyCallBacks, Names.ValueCallBacks));

    private static unsafe CFHandle NewInt32(int value) => new(CFNumberCreate(IntPtr.Zero, CFNumberSInt32Type, &value));

    private static unsafe CFHandle NewData(ReadOnlySpan<byte> bytes)
    {
        fixed (byte* p = bytes)
            return new CFHandle(CFDataCreate(IntPtr.Zero, p, bytes.Length));
    }

    private static unsafe byte[] ToArray(CFHandle data)
    {
        nint length = CFDataGetLength(data);
        var bytes = new byte[length];
        new ReadOnlySpan<byte>((void*)CFDataGetBytePtr(data), checked((int)length)).CopyTo(bytes);
        return bytes;
    }

    [LibraryImport(CoreFoundationLibrary)]
    private static partial void CFRelease(IntPtr cf);

    [LibraryImport(CoreFoundationLibrary)]
    private static partial IntPtr CFDictionaryCreateMutable(IntPtr allocator, nint capacity, IntPtr keyCallBacks, IntPtr valueCallBacks);

    [LibraryImport(CoreFoundationLibrary)]
    private static partial void CFDictionarySetValue(CFHandle dictionary, IntPtr key, IntPtr value);

    [LibraryImport(CoreFoundationLibrary)]
    private static unsafe partial IntPtr CFNumberCreate(IntPtr allocator, nint type, int* value);

    [LibraryImport(CoreFoundationLibrary)]
    private static unsafe partial IntPtr CFDataCreate(IntPtr allocator, byte* bytes, nint length);

    [LibraryImport(CoreFoundationLibrary)]
    private static partial nint CFDataGetLength(CFHandle data);

    [LibraryImport(CoreFoundationLibrary)]
    private static partial IntPtr CFDataGetBytePtr(CFHandle data);

    [LibraryImport(CoreFoundationLibrary)]
    private static partial nint CFErrorGetCode(IntPtr error);

    [LibraryImport(CoreFoundationLibrary)]
    private static partial IntPtr CFErrorCopyDescription(IntPtr error);

    [LibraryImport(CoreFoundationLibrary)]
    private static partial nint CFStringGetLength(IntPtr value);

    [LibraryImport(CoreFoundationLibrary)]
    [return: MarshalAs(UnmanagedType.U1)]
    private static unsafe partial bool CFStringGetCString(IntPtr value, byte* buffer, nint bufferSize, uint encoding);

    [LibraryImport(SecurityLibrary)]
    private static partial IntPtr SecAccessControlCreateWithFlags(IntPtr allocator, IntPtr protection, nuint flags, out IntPtr error);

    [LibraryImport(SecurityLibrary)]
    private static partial IntPtr SecKeyCreateRandomKey(CFHandle parameters, out IntPtr error);

    [LibraryImport(SecurityLibrary)]
    private static partial IntPtr SecKeyCopyPublicKey(CFHandle key);

    [LibraryImport(SecurityLibrary)]
    private static partial IntPtr SecKeyCopyExternalRepresentation(CFHandle key, out IntPtr error);

    [LibraryImport(SecurityLibrary)]
    private static partial IntPtr SecKeyCreateSignature(CFHandle key, IntPtr algorithm, CFHandle data, out IntPtr error);

    [LibraryImport(SecurityLibrary)]
    private static partial IntPtr SecKeyCreateWithData(CFHandle keyData, CFHandle attributes, out IntPtr error);

    [LibraryImport(SecurityLibrary)]
    private static partial IntPtr SecKeyCopyKeyExchangeResult(CFHandle privateKey, IntPtr algorithm, CFHandle publicKey, CFHandle parameters, out IntPtr error);
}
