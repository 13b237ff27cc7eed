/**
 * Engine conditions, updates and projections written as DynamoDB expressions. Every attribute name goes
 * through a placeholder (`status`, `source` and `policy` are reserved words), every value through a
 * marshalled `:v` value.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { convertToAttr } from '@aws-sdk/util-dynamodb';
import { TABLE_SCHEMA } from '../contract/table-schema';
import type { Condition, Update } from './engine';

/** How plain values are marshalled (as lib-dynamodb did for the store): undefined members are dropped. */
export const MARSHALL_OPTIONS = { removeUndefinedValues: true } as const;

/** The placeholders one request uses, and the expressions written with them. */
export class Expressions {
  private readonly names = new Map<string, string>();
  private readonly values: Record<string, AttributeValue> = {};
  private valueCount = 0;

  /** `#nN` for an attribute name. */
  name(attribute: string): string {
    let placeholder = this.names.get(attribute);
    if (!placeholder) {
      placeholder = `#n${this.names.size}`;
      this.names.set(attribute, placeholder);
    }
    return placeholder;
  }

  /** `:vN` for a value. */
  value(value: unknown): string {
    const placeholder = `:v${this.valueCount++}`;
    this.values[placeholder] = convertToAttr(value, MARSHALL_OPTIONS);
    return placeholder;
  }

  condition(condition: Condition): string {
    switch (condition.kind) {
      case 'itemAbsent':
        return `attribute_not_exists(${this.name(TABLE_SCHEMA.partitionKey)})`;
      case 'itemPresent':
        return `attribute_exists(${this.name(TABLE_SCHEMA.partitionKey)})`;
      case 'equals':
        return `${this.name(condition.attribute)} = ${this.value(condition.value)}`;
      case 'lessThan':
        return `${this.name(condition.attribute)} < ${this.value(condition.value)}`;
      case 'attributeMissing':
        return `attribute_not_exists(${this.name(condition.attribute)})`;
      case 'beginsWith':
        return `begins_with(${this.name(condition.attribute)}, ${this.value(condition.prefix)})`;
      case 'all':
      case 'any': {
        if (condition.of.length === 0) throw new Error(`an empty "${condition.kind}" condition states nothing`);
        const parts = condition.of.map((c) => this.condition(c));
        return parts.length === 1 ? parts[0] : `(${parts.join(condition.kind === 'all' ? ' AND ' : ' OR ')})`;
      }
    }
  }

  /** `SET … ADD … REMOVE …`; undefined values in `set` are left out, as when marshalling an item. */
  update(update: Update): string {
    const set = Object.entries(update.set ?? {}).filter(([, value]) => value !== undefined);
    const add = Object.entries(update.add ?? {});
    const clauses = [
      set.length > 0 ? `SET ${set.map(([n, v]) => `${this.name(n)} = ${this.value(v)}`).join(', ')}` : '',
      add.length > 0 ? `ADD ${add.map(([n, v]) => `${this.name(n)} ${this.value(v)}`).join(', ')}` : '',
      update.remove?.length ? `REMOVE ${update.remove.map((n) => this.name(n)).join(', ')}` : '',
    ].filter(Boolean);
    if (clauses.length === 0) throw new Error('an update that changes nothing');
    return clauses.join(' ');
  }

  projection(attributes: readonly string[]): string {
    return attributes.map((a) => this.name(a)).join(', ');
  }

  /** The placeholders, as the request's ExpressionAttributeNames/Values (absent when none). */
  placeholders(): {
    ExpressionAttributeNames?: Record<string, string>;
    ExpressionAttributeValues?: Record<string, AttributeValue>;
  } {
    return {
      ...(this.names.size > 0
        ? { ExpressionAttributeNames: Object.fromEntries([...this.names].map(([n, p]) => [p, n])) }
        : {}),
      ...(this.valueCount > 0 ? { ExpressionAttributeValues: this.values } : {}),
    };
  }
}

/** The key attributes of the table or of an index. */
export function keyAttributes(index: string | undefined): { partitionKey: string; sortKey: string } {
  const { fingerprintIndex, partitionKey, sortKey } = TABLE_SCHEMA;
  if (index === undefined) return { partitionKey, sortKey };
  if (index === fingerprintIndex.name) return fingerprintIndex;
  throw new Error(`the table has no index "${index}"`);
}
