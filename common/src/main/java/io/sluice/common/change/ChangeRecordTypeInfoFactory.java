package io.sluice.common.change;

import java.lang.reflect.Type;
import java.util.Map;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/** Gives {@link ChangeRecord} its own {@link ChangeRecordSerializer}. */
@Internal
public final class ChangeRecordTypeInfoFactory extends TypeInfoFactory<ChangeRecord> {
    @Override
    public TypeInformation<ChangeRecord> createTypeInfo(
            Type t, Map<String, TypeInformation<?>> genericParameters) {
        return ChangeRecordTypeInfo.INSTANCE;
    }

    /** Type information of change records. */
    public static final class ChangeRecordTypeInfo extends TypeInformation<ChangeRecord> {
        private static final long serialVersionUID = 1L;
        public static final ChangeRecordTypeInfo INSTANCE = new ChangeRecordTypeInfo();

        @Override
        public boolean isBasicType() {
            return false;
        }

        @Override
        public boolean isTupleType() {
            return false;
        }

        @Override
        public int getArity() {
            return 1;
        }

        @Override
        public int getTotalFields() {
            return 1;
        }

        @Override
        public Class<ChangeRecord> getTypeClass() {
            return ChangeRecord.class;
        }

        @Override
        public boolean isKeyType() {
            return false;
        }

        @Override
        public TypeSerializer<ChangeRecord> createSerializer(SerializerConfig config) {
            return ChangeRecordSerializer.INSTANCE;
        }

        @Override
        @Deprecated
        public TypeSerializer<ChangeRecord> createSerializer(ExecutionConfig config) {
            return ChangeRecordSerializer.INSTANCE;
        }

        @Override
        public String toString() {
            return "ChangeRecord";
        }

        @Override
        public boolean equals(Object obj) {
            return obj instanceof ChangeRecordTypeInfo;
        }

        @Override
        public int hashCode() {
            return ChangeRecordTypeInfo.class.hashCode();
        }

        @Override
        public boolean canEqual(Object obj) {
            return obj instanceof ChangeRecordTypeInfo;
        }
    }
}
