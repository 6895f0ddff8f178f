// An HPKE implementation no one on this project wrote (@hpke/core), driven by the C# interop tests.
// Reads one JSON command on stdin and writes one JSON result on stdout. Binary values are base64.
//   {"op":"seal","aead":"aes256gcm"|"chacha20poly1305","publicKey","info","aad","plaintext","exportContext","exportLength"}
//     -> {"enc","ciphertext","exported"}
//   {"op":"open","aead",...,"privateKey","enc","info","aad","ciphertext","exportContext","exportLength"}
//     -> {"plaintext","exported"}
//   {"op":"keypair"} -> {"publicKey","privateKey"}
import { Aes256Gcm, CipherSuite, DhkemP256HkdfSha256, HkdfSha256 } from "@hpke/core";
import { Chacha20Poly1305 } from "@hpke/chacha20poly1305";

const b64 = (buf) => Buffer.from(new Uint8Array(buf)).toString("base64");
const bytes = (s) => new Uint8Array(Buffer.from(s ?? "", "base64"));

async function main() {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  const cmd = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  const suite = new CipherSuite({
    kem: new DhkemP256HkdfSha256(),
    kdf: new HkdfSha256(),
    aead: cmd.aead === "chacha20poly1305" ? new Chacha20Poly1305() : new Aes256Gcm(),
  });
  const exportOf = async (ctx) =>
    cmd.exportLength ? b64(await ctx.export(bytes(cmd.exportContext).buffer, cmd.exportLength)) : undefined;

  if (cmd.op === "keypair") {
    const kp = await suite.kem.generateKeyPair();
    return {
      publicKey: b64(await suite.kem.serializePublicKey(kp.publicKey)),
      privateKey: b64(await suite.kem.serializePrivateKey(kp.privateKey)),
    };
  }
  if (cmd.op === "seal") {
    const recipientPublicKey = await suite.kem.deserializePublicKey(bytes(cmd.publicKey).buffer);
    const sender = await suite.createSenderContext({ recipientPublicKey, info: bytes(cmd.info).buffer });
    const ciphertext = await sender.seal(bytes(cmd.plaintext).buffer, bytes(cmd.aad).buffer);
    return { enc: b64(sender.enc), ciphertext: b64(ciphertext), exported: await exportOf(sender) };
  }
  if (cmd.op === "open") {
    const recipientKey = await suite.kem.deserializePrivateKey(bytes(cmd.privateKey).buffer);
    const recipient = await suite.createRecipientContext({ recipientKey, enc: bytes(cmd.enc).buffer, info: bytes(cmd.info).buffer });
    const plaintext = await recipient.open(bytes(cmd.ciphertext).buffer, bytes(cmd.aad).buffer);
    return { plaintext: b64(plaintext), exported: await exportOf(recipient) };
  }
  throw new Error(`unknown op ${cmd.op}`);
}

main().then(
  (result) => process.stdout.write(JSON.stringify(result)),
  (err) => { process.stderr.write(String(err?.stack ?? err)); process.exit(1); });
