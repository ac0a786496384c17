/** How a corpus object is named in the verdicts table: one subject per object, one key per version. */
export function corpusSubject(bucket: string, key: string): string {
  return `corpus#s3://${bucket}/${key}`;
}

export function corpusVerdictKey(object: { versionId?: string; etag?: string }): string {
  if (object.versionId) return `version#${object.versionId}`;
  if (object.etag) return `etag#${object.etag.replace(/"/g, '')}`;
  throw new Error('a corpus object needs a version id or an ETag to be audited idempotently');
}
