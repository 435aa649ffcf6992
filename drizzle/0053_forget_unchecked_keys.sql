-- Keys, and documents other servers' keys came from, cached before fetched documents were checked
-- for whose keys they hold (src/federation/key-origin.ts): fetched again, and checked, when needed.
DELETE FROM `fedify_kv` WHERE substr(`key`, 1, 22) = '["_fedify","publicKey"' OR substr(`key`, 1, 27) = '["_fedify","remoteDocument"';
