import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { ES_API_VERSION } from '../common/index.js';
import { Keystore } from '../config/index.js';
import { firstReachable } from '../http/routes/remote-enrollment.js';
import { aliasCaFile, checkAlias, decodeEnrollmentToken, reasonOf, verifyEnrollmentKey } from '../remote/enrollment.js';
import { TRANSPORT_FORMAT_VERSION } from '../transport/index.js';

const CONNECT_TIMEOUT_MS = 10_000;

/**
 * `strait remote enroll --config-dir DIR ALIAS` (issue #12 §1), for a node that is not running: the
 * same checks as `POST /_strait/remote/{alias}/_enroll` (token, pinned CA, the key at the remote's
 * handshake), then the CA file, the keystore entry and static `cluster.remote.<alias>.*` lines in
 * strait.yml. Returns the line to print; throws an Error whose message says what refused.
 */
export async function enrollStoppedNode(options: { configDir: string; alias: string; token: string; mode: 'proxy' | 'sniff'; skipUnavailable: boolean }): Promise<string> {
  const { alias } = options;
  const configDir = path.resolve(options.configDir);
  checkAlias(alias);
  const yml = path.join(configDir, 'strait.yml');
  const ymlText = existsSync(yml) ? readFileSync(yml, 'utf8') : '';
  const caFile = path.join(configDir, aliasCaFile(alias));
  const credentialName = `cluster.remote.${alias}.credentials`;
  const keystore = Keystore.load(configDir);
  if (ymlText.includes(`cluster.remote.${alias}.`) || existsSync(caFile) || keystore.has(credentialName)) {
    throw new Error(`remote cluster [${alias}] is already configured in [${configDir}]; remove its settings and credentials first`);
  }
  const token = decodeEnrollmentToken(options.token, Date.now());
  const address = await firstReachable(token, CONNECT_TIMEOUT_MS);
  try {
    await verifyEnrollmentKey(
      {
        local: () => ({
          clusterName: 'strait-enroll',
          clusterUuid: '_na_',
          nodeId: randomUUID(),
          nodeName: 'strait-enroll',
          version: ES_API_VERSION,
          roles: [],
          attributes: {},
          transportFormatVersion: TRANSPORT_FORMAT_VERSION,
        }),
        log: pino({ level: 'silent' }),
        connectTimeoutMs: CONNECT_TIMEOUT_MS,
        transportTls: undefined,
        remoteClusterClientTls: undefined,
      },
      { verificationMode: 'full' },
      alias,
      address,
      token,
    );
  } catch (error) {
    throw new Error(`the remote cluster at [${address}] refused the enrollment: ${reasonOf(error)}`);
  }
  // All checks passed: write, undoing the earlier writes if a later one fails.
  mkdirSync(path.dirname(caFile), { recursive: true });
  writeFileSync(`${caFile}.tmp`, token.ca);
  renameSync(`${caFile}.tmp`, caFile);
  try {
    keystore.set(credentialName, Buffer.from(token.key, 'utf8'));
    keystore.save();
    const lines =
      options.mode === 'proxy'
        ? [`cluster.remote.${alias}.mode: proxy`, `cluster.remote.${alias}.proxy_address: "${address}"`]
        : [`cluster.remote.${alias}.mode: sniff`, `cluster.remote.${alias}.seeds: [${token.addresses.map((entry) => `"${entry}"`).join(', ')}]`];
    lines.push(`cluster.remote.${alias}.skip_unavailable: ${options.skipUnavailable}`);
    const separator = ymlText === '' || ymlText.endsWith('\n') ? '' : '\n';
    appendFileSync(yml, `${separator}# remote cluster [${token.cluster_name}], enrolled by 'strait remote enroll'\n${lines.join('\n')}\n`);
  } catch (error) {
    unlinkSync(caFile);
    const again = Keystore.load(configDir);
    if (again.remove(credentialName)) again.save();
    throw error;
  }
  return (
    `Remote cluster [${alias}] enrolled: cluster [${token.cluster_name}] at [${address}] (${options.mode} mode); ` +
    `its CA (SHA-256 ${token.ca_fingerprint}) pinned in [${aliasCaFile(alias)}]; the credential stored as [${credentialName}]. It connects when the node starts.`
  );
}
