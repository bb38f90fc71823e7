import { Schema, type Connection, type InferSchemaType, type Model } from 'mongoose';

const agencySchema = new Schema(
  {
    /** Stable identifier chosen by the operator, e.g. `bj-haidian-zjw`. */
    code: { type: String, required: true, unique: true },
    /** Full official name, e.g. 北京市海淀区住房和城乡建设委员会. */
    name: { type: String, required: true },
    /** 6-digit 行政区划代码 of the agency's jurisdiction, when it has one. */
    region: { type: String },
    /** 先审后发: publications and corrections wait for a reviewer's approval. */
    requireReview: { type: Boolean, default: false },
  },
  { collection: 'agencies', timestamps: true, strict: 'throw' },
);

export type AgencyDoc = InferSchemaType<typeof agencySchema>;
export type AgencyModel = Model<AgencyDoc>;

export function agencyModel(db: Connection): AgencyModel {
  return (db.models.Agency as AgencyModel | undefined) ?? db.model('Agency', agencySchema);
}
