"""The HL7 channel in the system of record: the durable message sink, applying results, updates
and merges to the patient's case, and the results no imaging has matched yet."""
