import { Schema, type Connection, type InferSchemaType, type Model } from 'mongoose';

/** `reviewer` approves or rejects what publishers submit when the agency requires review (先审后发). */
export const ROLES = ['admin', 'publisher', 'press', 'reviewer'] as const;
export type Role = (typeof ROLES)[number];

const apiKeySchema = new Schema(
  {
    /** Public half of the key, used to find it; the secret half is stored only as a hash. */
    keyId: { type: String, required: true, unique: true },
    /** sha256 of the secret, hex. */
    secretHash: { type: String, required: true },
    agencyCode: { type: String, required: true, index: true },
    role: { type: String, enum: ROLES, required: true },
    label: { type: String },
    expiresAt: { type: Date },
    revokedAt: { type: Date },
    /** When the key last authenticated, to the hour (core/agencies/api-keys.ts LAST_USED_RESOLUTION_MS). */
    lastUsedAt: { type: Date },
  },
  { collection: 'api_keys', timestamps: true, strict: 'throw' },
);

export type ApiKeyDoc = InferSchemaType<typeof apiKeySchema>;
export type ApiKeyModel = Model<ApiKeyDoc>;

export function apiKeyModel(db: Connection): ApiKeyModel {
  return (db.models.ApiKey as ApiKeyModel | undefined) ?? db.model('ApiKey', apiKeySchema);
}
