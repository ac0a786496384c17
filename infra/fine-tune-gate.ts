import { Construct } from 'constructs';
import { CorpusAudit, type AuditFunctionProps } from './corpus-audit';
import { Storage, type StorageProps } from './storage';

export interface FineTuneGateProps extends StorageProps {
  /** Key prefix of the corpora to audit in the corpora bucket, '' for the whole bucket. @default 'corpora/' */
  readonly corpusPrefix?: string;
  /** Key prefix of the audit artifacts in the artifacts bucket. @default 'audits/' */
  readonly artifactsPrefix?: string;
  /** Overrides merged over the corpus-audit function defaults (4096 MB, 15 minutes). */
  readonly auditFunctionProps?: AuditFunctionProps;
  /** Audit configuration, passed to the corpus-audit function JSON-encoded in AUDIT_CONFIG. */
  readonly auditConfig?: Record<string, unknown>;
}

/**
 * finegate in one construct: the shared storage and every stage's gate over it.
 * Drop it into any stack; what it creates is exposed for extension.
 */
export class FineTuneGate extends Construct {
  public readonly storage: Storage;
  public readonly corpusAudit: CorpusAudit;

  constructor(scope: Construct, id: string, props: FineTuneGateProps = {}) {
    super(scope, id);
    const { corpusPrefix, artifactsPrefix, auditFunctionProps, auditConfig, ...storageProps } = props;
    this.storage = new Storage(this, 'Storage', storageProps);
    this.corpusAudit = new CorpusAudit(this, 'CorpusAudit', {
      storage: this.storage,
      corpusPrefix,
      artifactsPrefix,
      functionProps: auditFunctionProps,
      auditConfig,
    });
  }
}
