import { createMongoReadModel } from '../../core/read-model/mongo/mongo-read-model.ts';
import { connectTestDb } from '../helpers/db.ts';
import { readModelContract } from './contract.ts';

// The MongoDB read model on FerretDB: slow there (every query decodes the collection), so only its answers are checked.
readModelContract('MongoDB (several machines)', async () => {
  const db = await connectTestDb('read_model_mongodb');
  const readModel = await createMongoReadModel(db.db!);
  return {
    db,
    readModel,
    sampled: (facetSample) => createMongoReadModel(db.db!, { facetSample }),
    leaks: async () => JSON.stringify(await db.db!.collection('read_disclosures').find({}).toArray()),
  };
});
