"""Announce a checkpoint to finegate from a Python training job (boto3).

Call it after the checkpoint is saved and servable; finegate's checkpoint gate (stage 2) judges it and publishes a
"Gate Verdict". The run must have been registered first (`finegate run register run.yaml`).

    emit_checkpoint_ready("support-bot-v1", "ckpt-1200", 1200,
                          "bedrock:arn:aws:bedrock:us-east-1:123456789012:custom-model/...",
                          training_loss=0.82, final=True, promote=True)
"""
import json

import boto3


def emit_checkpoint_ready(run_id, checkpoint, step, candidate_model, training_loss=None, final=False, promote=False,
                          event_bus_name="finegate", client=None):
    detail = {"runId": run_id, "checkpoint": checkpoint, "step": int(step), "candidateModel": candidate_model,
              "final": bool(final), "promote": bool(promote)}
    if training_loss is not None:
        detail["trainingLoss"] = float(training_loss)
    events = client or boto3.client("events")
    response = events.put_events(Entries=[{
        "EventBusName": event_bus_name,
        "Source": "finegate.training",
        "DetailType": "Checkpoint Ready",
        "Detail": json.dumps(detail),
    }])
    # PutEvents reports a rejected entry inside a successful response: check it, or the checkpoint is never gated.
    entry = response["Entries"][0]
    if response.get("FailedEntryCount") or "EventId" not in entry:
        raise RuntimeError(f"Checkpoint Ready for {run_id}/{checkpoint} rejected: {entry.get('ErrorCode')} {entry.get('ErrorMessage')}")
    return entry["EventId"]
