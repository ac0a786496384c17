/** Publishes finegate's public events (schemas in events/). */
export interface EventPublisher {
  publish(source: string, detailType: string, detail: object, resources?: string[]): Promise<void>;
}
