using System.Collections.Frozen;

namespace Umbra.Inference.Tokenization;

/// <summary>
/// The tokenizer.ggml.pre values supported, with their regexes and settings from llama.cpp's
/// llama-vocab.cpp. "gpt2" is accepted as a spelling of "gpt-2" although llama.cpp rejects it.
/// deepseek-llm's letter class also lists ranges above U+FFFF (Deseret, Osage, Old Hungarian, Warang
/// Citi, Adlam); .NET character classes work on UTF-16 units, so those ranges are left out and such
/// letters split like other characters. Only gpt-2, deepseek-coder (and the hand-written GPT-2 and
/// Llama 3 matchers) are checked against llama.cpp's own outputs; the other entries are transcriptions.
/// </summary>
internal static class PreTokenizerCatalog
{
    private static readonly string[] Default = [@"[\p{P}\$\+<=>\^~\|]+", SplitRule.Gpt2Pattern, @"\p{N}+", "[0-9][0-9][0-9]"];
    private static readonly string[] Gpt2 = [SplitRule.Gpt2Pattern];
    private static readonly string[] Llama3 = [SplitRule.Llama3Pattern];
    private static readonly string[] Falcon = [@"[\p{P}\$\+<=>\^~\|`]+", SplitRule.Gpt2Pattern, "[0-9][0-9][0-9]"];
    private static readonly string[] StarCoder = [@"\p{N}", SplitRule.Gpt2Pattern];

    private static readonly string[] Qwen2 =
        [@"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"];

    private static readonly string[] DeepSeekCoder = ["[\r\n]", @"\s?\p{L}+", @"\s?\p{P}+", "[一-龥ࠀ-一가-퟿]+", @"\p{N}"];

    private static readonly string[] DeepSeekLlm =
    [
        "[\r\n]",
        // Escaped code points have canonical singleton decompositions; written literally, tools that
        // normalize text would silently turn them into other letters.
        "\\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-ὗὙὛὝὟ-\u1F7Dᾀ-ᾴᾶ-ᾼ\u1FBEῂ-ῄῆ-ῌῐ-\u1FD3ῖ-\u1FDBῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤ\u2126ℨ\u212A-ℭℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ]+",
        @"\s?[!-/:-~！-／：-～‘-‟　-。]+",
        @"\s+$",
        "[一-龥ࠀ-一가-퟿]+",
        @"\p{N}+",
    ];

    private static readonly string[] DeepSeekV3 =
    [
        @"\p{N}{1,3}",
        "[一-龥぀-ゟ゠-ヿ]+",
        "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+",
    ];

    private static readonly string[] Poro = [@" ?[^(\s|.,!?…。，、।۔،)]+"];
    private static readonly string[] Viking = [@" ?[^(\s|.,!?…。，、।۔،)]+", @"\p{N}"];

    private static readonly string[] Tekken =
    [
        @"[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))*((?=[\p{L}])([^A-Z]))+|[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))+((?=[\p{L}])([^A-Z]))*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+",
    ];

    private static readonly string[] Gpt4o =
    [
        @"[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))*((?=[\p{L}])([^A-Z]))+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))+((?=[\p{L}])([^A-Z]))*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+",
    ];

    private static readonly FrozenDictionary<string, PreTokenizerSpec> Specs = Build();

    /// <summary>The supported tokenizer.ggml.pre values, for error messages.</summary>
    public static IEnumerable<string> Names => Specs.Keys.Order(StringComparer.Ordinal);

    /// <summary>The spec for a tokenizer.ggml.pre value; a missing value means llama.cpp's "default".</summary>
    public static PreTokenizerSpec? Find(string? name) =>
        Specs.GetValueOrDefault(string.IsNullOrEmpty(name) ? "default" : name);

    private static FrozenDictionary<string, PreTokenizerSpec> Build()
    {
        var specs = new Dictionary<string, PreTokenizerSpec>(StringComparer.Ordinal);
        void Add(PreTokenizerSpec spec, params string[] names)
        {
            foreach (string name in names)
                specs.Add(name, spec);
        }

        Add(new(Default), "default");
        Add(new(Llama3, IgnoreMerges: true, AddBos: true), "llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2");
        Add(new(Llama3), "dbrx", "smaug-bpe");
        Add(new(Llama3, NoDefaultBos: true), "glm4", "chatglm-bpe");
        Add(new(DeepSeekLlm, CleanSpaces: false), "deepseek-llm");
        Add(new(DeepSeekCoder, CleanSpaces: false), "deepseek-coder");
        Add(new(DeepSeekV3, CleanSpaces: false), "deepseek-v3");
        Add(new(Falcon), "falcon");
        Add(new(Gpt2), "gpt-2", "gpt2", "mpt", "olmo", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de",
            "a.x-4.0", "mellum", "modern-bert", "exaone4", "jais");
        Add(new(Gpt2, CleanSpaces: false), "trillion", "granite-docling");
        Add(new(StarCoder), "starcoder", "refact", "codeshell", "exaone", "minerva-7b", "mellum2");
        Add(new(StarCoder, CleanSpaces: false), "command-r", "smollm");
        Add(new(Qwen2, CleanSpaces: false), "qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "hunyuan", "solar-open");
        Add(new(Qwen2), "stablelm2", "megrez");
        Add(new(Poro, CleanSpaces: false), "poro-chat");
        Add(new(Poro), "bloom", "gpt3-finnish");
        Add(new(Viking, CleanSpaces: false), "viking");
        Add(new(Tekken, CleanSpaces: false, IgnoreMerges: true, AddBos: true), "tekken");
        Add(new(Gpt4o, CleanSpaces: false), "gpt-4o", "llama4", "kanana2", "talkie");
        return specs.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
