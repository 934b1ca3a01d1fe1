/** The llm-proxy admin API as a benchmark uses it: models and users' limits, created as an admin would. */
export interface BenchModel {
  name: string;
  baseUrl: string;
  apiKey: string;
  /** Requests and tokens a minute of the model (`rpm_limit`, `tpm_limit`); absent = no limit. */
  rpmLimit?: number;
  tpmLimit?: number;
}

/** POST /api/v1/llm-models; resolves to the registry's id of the model (its limits' Redis scope is `model:<id>`). */
export async function createModel(proxyUrl: string, adminToken: string, model: BenchModel): Promise<string> {
  const response = await fetch(`${proxyUrl}/api/v1/llm-models`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
    body: JSON.stringify({
      name: model.name,
      model_id: model.name,
      provider: 'openai',
      type: 'chat',
      base_url: model.baseUrl,
      auth_type: 'api_key',
      api_keys: [{ key: model.apiKey, status: 'enabled' }],
      ...(model.rpmLimit !== undefined ? { rpm_limit: model.rpmLimit } : {}),
      ...(model.tpmLimit !== undefined ? { tpm_limit: model.tpmLimit } : {}),
    }),
  });
  if (response.status !== 201) throw new Error(`creating model ${model.name}: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { id: string }).id;
}

/** PUT /api/v1/llm/user-limits/:user: the user's own RPM and TPM, replacing the defaults. */
export async function setUserLimits(proxyUrl: string, adminToken: string, user: string, limits: { rpm: number; tpm: number }): Promise<void> {
  const response = await fetch(`${proxyUrl}/api/v1/llm/user-limits/${encodeURIComponent(user)}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
    body: JSON.stringify({ rpm_limit: limits.rpm, tpm_limit: limits.tpm }),
  });
  if (response.status !== 200) throw new Error(`setting the limits of ${user}: ${response.status} ${await response.text()}`);
}
